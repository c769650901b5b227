// Update points and their equivalence classes (Hayden et al., "Evaluating
// dynamic software update safety using systematic testing"): every step
// boundary of a run is a moment at which an update could be requested. Two
// points are equivalent when a strategy can see no difference between them:
// each thread's stack of frames in the modules the update concerns, and
// whether it is inside a syscall. One representative per class is run; the
// rest are expected to behave like it (`--exhaustive` runs them all).

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
      const frames = t.frames.filter((f) => modules.has(f.module)).map((f) => `${f.module}@${f.version}:${f.fn}`);
      return `${t.syscall !== null ? 'S' : 'U'}${frames.length ? `[${frames.join('>')}]` : ''}`;
    })
    .join(' ');
}

/** The module names an update concerns (`simplefs@2.3.0` concerns simplefs). */
export function concerned(update: readonly string[]): Set<string> {
  return new Set(update.map((spec) => spec.slice(0, spec.lastIndexOf('@') > 0 ? spec.lastIndexOf('@') : spec.length)));
}

/** Run the scenario once with no update and record every step boundary while the workload runs. */
export async function recordPoints(s: Scenario): Promise<{ points: UpdatePoint[]; baseline: RunOutcome }> {
  const modules = concerned(s.update);
  const points: UpdatePoint[] = [];
  let running = true;
  const baseline = await runScenario(s, null, (k) => {
    if (!running) return;
    // The workload's threads are the user threads named work*; once none is left the run is over.
    if (!k.sched.threads().some((t) => t.name.startsWith('work'))) {
      running = false;
      return;
    }
    points.push({ step: k.sched.counters.steps, at: k.now, signature: signatureAt(k, modules) });
  });
  return { points, baseline };
}

/** Group points by signature, in order of first appearance. */
export function classesOf(points: readonly UpdatePoint[]): PointClass[] {
  const byKey = new Map<string, { representative: UpdatePoint; size: number }>();
  for (const p of points) {
    const c = byKey.get(p.signature);
    if (c) c.size++;
    else byKey.set(p.signature, { representative: p, size: 1 });
  }
  return [...byKey].map(([signature, c]) => ({ signature, ...c }));
}
