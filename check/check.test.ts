// Timing coverage on small workloads: points are recorded deterministically
// and merged into fewer classes; every class is run with each strategy; the
// judge catches a failed operation, a wrong byte, an oops and a different
// final tree; the restart oracle names what a lazy migration leaves behind;
// and a point replays alone with the same outcome.

import { describe, expect, it } from 'vitest';
import { check, judge, phenomenaOf } from './check.js';
import { classesOf, recordPoints } from './points.js';
import { type RunOutcome, runScenario, type Scenario } from './scenario.js';

const WORKLOAD = { threads: 2, files: 3, ops: 6, maxSize: 2500, think: 1000 };
const scenario = (update: string[], boot: string[]): Scenario => ({ seed: 3, cpus: 2, boot, update, workload: WORKLOAD });
const BOOT_11 = ['kmsg@1.0.0', 'blkdev@2.0.0', 'simplefs@1.1.0'];

describe('update points', () => {
  it('are the same in two recordings, and fall into fewer classes than points', async () => {
    const s = scenario(['simplefs@1.2.0'], BOOT_11);
    const a = await recordPoints(s);
    const b = await recordPoints(s);
    expect(a.points).toEqual(b.points);
    expect(a.baseline.trace).toBe(b.baseline.trace);
    expect(a.points.length).toBeGreaterThan(50);
    const classes = classesOf(a.points);
    expect(classes.length).toBeLessThan(a.points.length);
    expect(classes.reduce((n, c) => n + c.size, 0)).toBe(a.points.length);
    // Some class has a thread inside simplefs, and some has none: the signature sees frames.
    expect(classes.some((c) => c.signature.includes('simplefs@1.1.0:'))).toBe(true);
    expect(classes.some((c) => !c.signature.includes('simplefs@'))).toBe(true);
  });
});

describe('check', () => {
  it('runs one point per class with each strategy, and the real ones fail none', async () => {
    const r = await check({ update: ['simplefs@1.2.0'], boot: BOOT_11, strategies: ['module', 'stop-machine', 'per-task'], seed: 3, cpus: 2, workload: WORKLOAD, workers: 1 });
    expect(r.pointsRun).toBe(r.classes);
    const [module, stop, perTask] = r.strategies;
    expect(module!.runs).toBe(r.classes);
    expect(module!.failing).toEqual([]);
    expect(module!.committed).toBe(r.classes);
    expect(module!.delay.worst).toBeGreaterThanOrEqual(module!.delay.median);
    expect(stop!.failing).toEqual([]);
    expect(stop!.stoppedCycles.median).toBeGreaterThan(0);
    expect(perTask!.refused).toBe(r.classes); // a state change: the plan refuses per-task
    expect(perTask!.refusal).toMatch(/^EINVAL: per-task cannot be used when state changes/);
    expect(r.restart.sameTree).toBe(true);
  });

  it('names the records a lazy migration leaves at the old schema as a run-time phenomenon', async () => {
    const r = await check({ update: ['simplefs@2.1.0'], boot: ['kmsg@1.0.0', 'blkdev@2.0.0', 'simplefs@2.0.0'], strategies: ['module'], seed: 3, cpus: 2, workload: WORKLOAD, workers: 1 });
    expect(r.strategies[0]!.failing).toEqual([]);
    const lazy = r.phenomena.find((p) => p.name === 'records left at an older schema (lazy migration)');
    expect(lazy?.example).toMatch(/^simplefs\/inodes \d+$/);
    expect(lazy!.runs).toBeGreaterThan(0);
  });
});

describe('the unsafe control on a change whose safety depends on quiescence (simplefs 2.2 -> 2.3)', () => {
  const BOOT_22 = ['kmsg@1.0.0', 'blkdev@2.0.0', 'simplefs@2.2.0'];
  const W = { threads: 3, files: 4, ops: 12, maxSize: 3000, think: 2000 };

  it('finds failing points where the real strategies find none, and a failure replays alone', async () => {
    const r = await check({ update: ['simplefs@2.3.0'], boot: BOOT_22, strategies: ['module', 'stop-machine', 'unsafe'], seed: 1, cpus: 2, workload: W, workers: 1 });
    const [module, stop, unsafe] = r.strategies;
    expect(module!.failing).toEqual([]);
    expect(stop!.failing).toEqual([]);
    expect(module!.committed + stop!.committed).toBe(2 * r.classes);
    expect(unsafe!.failing.length).toBeGreaterThan(0);
    const f = unsafe!.failing[0]!;
    expect(f.reason).toMatch(/^operation failed: write \/mnt\/w\d\/f\d: EIO/);
    expect(f.replay).toContain(`--strategy unsafe --point ${f.step}`);
    const alone = await check({ update: ['simplefs@2.3.0'], boot: BOOT_22, strategies: ['unsafe'], seed: 1, cpus: 2, workload: W, workers: 1, point: f.step });
    expect(alone.pointsRun).toBe(1);
    expect(alone.strategies[0]!.failing.map((x) => x.reason)).toEqual([f.reason]);
  });
});

describe('a console script as the workload', () => {
  const BOOT_22 = ['kmsg@1.0.0', 'blkdev@2.0.0', 'simplefs@2.2.0'];
  const SCRIPT = ['mkdir /mnt/d', 'write /mnt/d/a one two', 'cat /mnt/d/a', 'workload start threads=2 files=3 size=3000 think=1000', 'tick 40k', 'workload stop', 'ls /mnt/d', '! cat /mnt/d/nothing'].join('\n');
  const file = 'workload.livemod';

  it('is checked at every class of its points: the real strategies pass, the control loses a write', async () => {
    const r = await check({ update: ['simplefs@2.3.0'], boot: BOOT_22, strategies: ['module', 'unsafe'], seed: 1, cpus: 2, workload: WORKLOAD, script: { text: SCRIPT, file }, workers: 1 });
    expect(r.script).toBe(file);
    expect(r.points).toBeGreaterThan(r.classes);
    const [module, unsafe] = r.strategies;
    expect(module!.failing).toEqual([]);
    expect(module!.committed).toBe(r.classes);
    expect(unsafe!.failing.length).toBeGreaterThan(0);
    expect(unsafe!.failing[0]!.reason).toMatch(/^operation failed: workload:6: EIO: the workload lost data/);
    expect(unsafe!.failing[0]!.replay).toContain(`--workload ${file} --strategy unsafe --point `);
  });

  it('compares what the script printed with the run with no update, leaving out time and versions', async () => {
    const s = { ...scenario(['simplefs@1.2.0'], BOOT_11), script: SCRIPT };
    const base = await runScenario(s, null);
    expect(base.scripted).toBe(true);
    expect(base.failed).toBe(0);
    expect(base.transcript).toContain('3: cat /mnt/d/a => ok: one two');
    expect(base.transcript.some((l) => l.includes('tick') || l.includes('workload start'))).toBe(false);
    const updated = await runScenario(s, { step: 20, strategy: 'module' });
    expect(updated.update).toBe('committed');
    expect(judge(updated, base)).toBeNull();
    const lied = { ...updated, transcript: updated.transcript.map((l) => (l.startsWith('3: cat') ? l.replace('one two', 'one tw0') : l)) };
    expect(judge(lied, base)).toBe("the script's output differs from the run with no update: 3: cat /mnt/d/a => ok: one tw0 where the other has 3: cat /mnt/d/a => ok: one two");
  });
});

describe('the judge and the restart oracle', () => {
  it('pass an unchanged run and name the first thing that differs otherwise', async () => {
    const base = await runScenario(scenario(['simplefs@1.2.0'], BOOT_11), null);
    expect(base.failed).toBe(0);
    expect(judge(base, base)).toBeNull();
    const bad = (over: Partial<RunOutcome>): RunOutcome => ({ ...base, ...over });
    expect(judge(bad({ failed: 1, firstFailure: 'write /mnt/w0/f1: EIO: boom' }), base)).toBe('operation failed: write /mnt/w0/f1: EIO: boom');
    expect(judge(bad({ mismatches: ['/mnt/w0/f1: byte 3 is 1, expected 2'] }), base)).toMatch(/^file differs from what was written: \/mnt\/w0\/f1/);
    expect(judge(bad({ oopses: base.oopses + 2 }), base)).toBe('2 oops(es) in module code');
    const tree = [...base.facts.tree];
    tree[tree.length - 1] = `${tree.at(-1)}x`;
    expect(judge(bad({ facts: { ...base.facts, tree } }), base)).toMatch(/^final tree differs from the run with no update/);
    expect(phenomenaOf(base.facts, base.facts)).toEqual([]);
    expect(phenomenaOf({ ...base.facts, space: '1 free blocks of 2, 1 files' }, base.facts).map((p) => p.name)).toEqual(['free space differs from a restart']);
  });

  it('replays a point alone with the outcome it had in the full check', async () => {
    const s = scenario(['simplefs@1.2.0'], BOOT_11);
    const { points } = await recordPoints(s);
    const p = classesOf(points)[3]!.representative;
    const a = await runScenario(s, { step: p.step, strategy: 'module' });
    const b = await runScenario(s, { step: p.step, strategy: 'module' });
    expect(a.requestedAt).toBe(p.at);
    expect(a.update).toBe('committed');
    expect(b).toEqual(a);
  });
});
