// How the charts show an update's phases (exec/lifecycle.ts PhaseEvent), the
// same in every chart: one colour per phase, and two lanes. A waiting phase
// (forward, block, quiesce, stop, finish-lazy) is simulated time that passed
// while the updater waited for quiescence; a work phase (prepare, transfer,
// switch) is the cycles charged to the updater's own step. Both are drawn,
// as the trace draws them, as the `cycles` before the phase's end `at`, so
// a work phase can reach back over the waiting phase before it, and that is
// why it has a lane of its own. Phases of no cycles (plan, complete, commit,
// abort) are instants: the charts mark the update's start and end instead.

import type { PhaseEvent } from '../exec/lifecycle.js';

export type Lane = 'waiting' | 'work';

/** Every phase either kernel records, in the order they happen, with its lane and colour. */
export const PHASES: readonly { readonly phase: string; readonly lane: Lane; readonly color: string }[] = [
  { phase: 'prepare', lane: 'work', color: '#9ecae9' },
  { phase: 'finish-lazy', lane: 'waiting', color: '#bab0ac' },
  { phase: 'forward', lane: 'waiting', color: '#eeca3b' },
  { phase: 'block', lane: 'waiting', color: '#e45756' },
  { phase: 'quiesce', lane: 'waiting', color: '#54a24b' },
  { phase: 'stop', lane: 'waiting', color: '#b279a2' },
  { phase: 'transfer', lane: 'work', color: '#4c78a8' },
  { phase: 'switch', lane: 'work', color: '#1b1b1b' },
];

/** The colour scale of the `phase` field of `values`: the phases they hold, in order, each in its own colour whatever else is there. */
export function phaseScale(values: readonly { readonly phase?: unknown }[]): { domain: string[]; range: string[] } {
  const present = new Set(values.map((v) => v.phase));
  const known = PHASES.filter((p) => present.has(p.phase));
  const unknown = [...present].filter((p): p is string => typeof p === 'string' && !PHASES.some((k) => k.phase === p));
  return { domain: [...known.map((p) => p.phase), ...unknown], range: [...known.map((p) => p.color), ...unknown.map(() => '#888')] };
}

/** A phase as an interval of simulated cycles relative to the update's start. */
export interface PhaseBar {
  readonly phase: string;
  readonly lane: Lane;
  readonly start: number;
  readonly end: number;
  readonly cycles: number;
  readonly detail: string;
}

/** The phases of an update that lasted any cycles, as bars relative to `startedAt` (a phase unknown here goes in the waiting lane). */
export function phaseBars(phases: readonly PhaseEvent[], startedAt: number): PhaseBar[] {
  return phases
    .filter((p) => p.cycles > 0)
    .map((p) => ({
      phase: p.phase,
      lane: PHASES.find((k) => k.phase === p.phase)?.lane ?? 'waiting',
      start: p.at - p.cycles - startedAt,
      end: p.at - startedAt,
      cycles: p.cycles,
      detail: p.detail,
    }));
}
