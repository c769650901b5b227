// Update points and their equivalence classes (Hayden et al., "Evaluating
// dynamic software update safety using systematic testing"): every step
// boundary of a run is a moment at which an update could be requested. What
// an update can see at a point is its signature: per thread, whether it is
// inside a syscall, and its frames in the modules the update concerns, each
// with how many calls it has made so far (where in its body it is). A class
// is a run of consecutive points with one signature: between them nothing
// the update can see has moved, so requesting it at any of them is the same.
// Points with the same signature at different times are not merged: the
// same frames can be at the same place of two different operations, whose
// futures differ (a write with one run of blocks left, and a write with
// none). One representative per class is run (`--exhaustive` runs them all).

import type { Kernel } from '../kernel/kernel.js';
import { runScenario, type RunOutcome, type Scenario } from './scenario.js';

export interface UpdatePoint {
  /** The step boundary: the scheduler's step count. */
  readonly step: number;
  /** Simulated time at that boundary. */
  readonly at: number;
  readonly signature: string;
}

export interface PointClass {
  readonly signature: string;
  /** The first point of the class: the one run. */
  readonly representative: UpdatePoint;
  readonly size: number;
}

/** What a strategy can see at a step boundary: per live thread, inside a syscall or not, and its frames in `modules`. */
export function signatureAt(k: Kernel, modules: ReadonlySet<string>): string {
  return k.sched
    .threads()
    .map((t) => {
      const frames = t.frames.flatMap((f, i) => (modules.has(f.module) ? [`${f.module}@${f.version}:${f.fn}#${t.frameCalls[i]}`] : []));
      return `${t.syscall !== null ? 'S' : 'U'}${frames.length ? `[${frames.join('>')}]` : ''}`;
    })
    .join(' ');
}

/** The module names an update concerns (`simplefs@2.3.0` concerns simplefs). */
export function concerned(update: readonly string[]): Set<string> {
  return new Set(update.map((spec) => spec.slice(0, spec.lastIndexOf('@') > 0 ? spec.lastIndexOf('@') : spec.length)));
}

/** Run the scenario once with no update and record every step boundary while the workload (or the script) runs. */
export async function recordPoints(s: Scenario): Promise<{ points: UpdatePoint[]; baseline: RunOutcome }> {
  const modules = concerned(s.update);
  const points: UpdatePoint[] = [];
  const baseline = await runScenario(s, null, (k, running) => {
    if (running) points.push({ step: k.sched.counters.steps, at: k.now, signature: signatureAt(k, modules) });
  });
  return { points, baseline };
}

/** Runs of consecutive points with one signature, in order; the first point of each represents it. */
export function classesOf(points: readonly UpdatePoint[]): PointClass[] {
  const out: { signature: string; representative: UpdatePoint; size: number }[] = [];
  for (const p of points) {
    const last = out.at(-1);
    if (last && last.signature === p.signature) last.size++;
    else out.push({ signature: p.signature, representative: p, size: 1 });
  }
  return out;
}
