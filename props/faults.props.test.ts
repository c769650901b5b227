// Property tests with disk faults: random multi-thread filesystem workloads
// run while bad sectors are injected and cleared, requests hang and are
// released at a random later moment (the workload goes on meanwhile), and
// blkdev and simplefs are updated and reverted, all at random moments. Each
// thread's results must be the fault model's (props/faultmodel.ts): EIO only
// from an operation that reached the disk while a sector failed, with the
// effect the filesystem really has on EIO, and everything else exactly the
// plain model's. Then the faults are cleared and every thread audits its
// tree: what it reads must be what the model says (bytes a failed write left
// unsure must hold the old or the new value). Both kernels: the procedural
// one (also checked with fsck) and the object twin. The coverage checks make
// sure EIO results, released hangs and updates committed under faults were
// really seen. Prints its seed; replay with LIVEMOD_PROP_SEED.

import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { catalogResolver } from '../catalog/catalog.js';
import type { Executive } from '../exec/executive.js';
import type { StartedUpdate, UpdateService, UpdateStep } from '../exec/lifecycle.js';
import { isKernelError } from '../exec/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import { ObjectUpdater } from '../oo/updater.js';
import { Updater } from '../updater/updater.js';
import { AUDIT, fileOp, fsOp } from './arbitraries.js';
import { expectedResults, type FaultTally, type FaultWindow, type FaultyResult, startFaultyThreads } from './faultmodel.js';
import { fsck } from './fsck.js';
import type { FsOp } from './fsmodel.js';
import { fsMachine, ooFsMachine } from './harness.js';
import { checkCoverage, propParams } from './seed.js';

/** Each component's releases in order, per kernel: an update goes to the one after the running one. */
const HISTORY = {
  procedural: { blkdev: ['1.0.0', '1.1.0', '2.0.0'], simplefs: ['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0', '2.2.0', '2.3.0'] },
  objects: { blkdev: ['1.0.0', '1.1.0', '2.0.0'], simplefs: ['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0'] },
} as const;
type KernelKind = keyof typeof HISTORY;
type Component = 'blkdev' | 'simplefs';

/** Where a kernel boots: consistent pairs along the histories (simplefs 2.x needs blkdev 2.0); 2.2 and 2.3 are the procedural kernel's only. */
const starts = (kind: KernelKind) =>
  fc.constantFrom(
    { blkdev: '1.0.0', simplefs: '1.0.0' },
    { blkdev: '1.1.0', simplefs: '1.1.0' },
    { blkdev: '1.1.0', simplefs: '1.2.0' },
    { blkdev: '2.0.0', simplefs: '2.0.0' },
    { blkdev: '2.0.0', simplefs: '2.1.0' },
    ...(kind === 'procedural' ? [{ blkdev: '2.0.0', simplefs: '2.2.0' }, { blkdev: '2.0.0', simplefs: '2.3.0' }] : []),
  );

/**
 * Up to three threads, mostly on two files: fast-check keeps arrays short by
 * default, so a floor on their length gives each fault time to be met.
 */
const workload = fc.oneof(
  { weight: 1, arbitrary: fc.array(fc.array(fsOp, { minLength: 8, maxLength: 30 }), { minLength: 1, maxLength: 3 }) },
  { weight: 3, arbitrary: fc.array(fc.array(fileOp, { minLength: 12, maxLength: 40 }), { minLength: 1, maxLength: 3 }) },
);

const event = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('update' as const), component: fc.constantFrom<Component>('blkdev', 'simplefs'), revert: fc.boolean(), lazy: fc.boolean(), strategy: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('bad' as const), live: fc.boolean(), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('hang' as const), requests: fc.integer({ min: 1, max: 3 }), releaseAfter: fc.integer({ min: 500, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);
/** A workload runs for some 1,000 to 40,000 cycles: the injections come within it. */
const injection = fc.record({ after: fc.integer({ min: 0, max: 1_500 }), event });
type Injection = typeof injection extends fc.Arbitrary<infer T> ? T : never;

/**
 * The sector a bad-sector injection makes fail: one of `live` (the blocks
 * files hold now, so that reads meet it) or one of those holding any data
 * (read off the platters: freed blocks too, which writes take again); `pick`
 * chooses which. With neither, one of the first few, which files take first.
 */
function badSector(disk: Executive['machine']['disks'][number], live: readonly number[] | null, pick: number): number {
  const holding: number[] = [];
  if (live) holding.push(...live);
  else for (let s = 1; s < 64; s++) if (disk.peek(s).some((b) => b !== 0)) holding.push(s);
  return holding.length > 0 ? holding[pick % holding.length]! : 1 + (pick % 8);
}

/** How long the workload may go on under the faults left after the last injection. */
const STUCK_AFTER = 1_000_000;
/** A thread or update must end within this once every fault is gone. */
const END_BUDGET = 50_000_000;

interface KernelUnderTest {
  readonly k: Executive;
  readonly updater: UpdateService;
  running(c: Component): string;
  /** The blocks files hold now (where a bad sector is met by reads too). */
  fileBlocks(): number[];
  /** simplefs's fsck problems (the procedural kernel's); writes of simplefs 1.0 that failed keep blocks past the end (its known bug, fixed in 1.1), so `strict` only when 1.0 never ran. */
  fsck(strict: boolean): string[];
}

/** What the runs of one kernel saw, for the coverage checks; `other` counts the updates not committed by how they ended (`refused EBUSY`, `aborted ETIMEDOUT`, ...). */
const tallies = () => ({ runs: 0, tally: { eioReads: 0, eioWrites: 0, unsureReads: 0 } as FaultTally, hungReleased: 0, committed: 0, committedUnderFaults: 0, revertsCommitted: 0, other: new Map<string, number>() });
const seen = { procedural: tallies(), objects: tallies() };
const countOther = (m: Map<string, number>, what: string) => m.set(what, (m.get(what) ?? 0) + 1);

/** The step an update injection asks for, or null when there is nothing to do (no release after the running one, or no update of the component started in this run to revert). */
function stepOf(kind: KernelKind, u: KernelUnderTest, e: Extract<Injection['event'], { kind: 'update' }>, updated: ReadonlySet<Component>): UpdateStep | null {
  if (e.revert) return updated.has(e.component) ? { kind: 'revert', specs: [e.component] } : null;
  const versions: readonly string[] = HISTORY[kind][e.component];
  const to = versions[versions.indexOf(u.running(e.component)) + 1];
  return to ? { kind: 'update', specs: [`${e.component}@${to}`] } : null;
}

/** Run the workload (its first third alone, then the rest with the injections), clear every fault, let everything end, and audit; returns each thread's results and whether simplefs 1.0 ever ran. */
async function runWithFaults(kind: KernelKind, u: KernelUnderTest, threads: readonly (readonly FsOp[])[], firstBad: readonly number[], injections: readonly Injection[]): Promise<{ got: FaultyResult[][]; ran10: boolean }> {
  const { k } = u;
  const s = seen[kind];
  const disk = k.machine.disks[0]!;
  const window: FaultWindow = { bad: false, generation: 0 };
  let hangsOpen = 0;
  let ran10 = u.running('simplefs') === '1.0.0';
  const underFaults = () => window.bad || hangsOpen > 0;
  const updates: { started: StartedUpdate; underFaults: boolean }[] = [];
  const updated = new Set<Component>();
  // The first third of each thread's operations run alone, to put files on
  // the disk; the faults and updates come while the rest run.
  const got: FaultyResult[][] = threads.map(() => []);
  const split = threads.map((ops) => Math.floor(ops.length / 3));
  for (const w of startFaultyThreads(k, threads.map((ops, t) => ops.slice(0, split[t])), window, got)) k.runThread(w, END_BUDGET);
  const workers = startFaultyThreads(k, threads.map((ops, t) => ops.slice(split[t])), window, got);
  for (const { after, event: e } of [{ after: 0, event: { kind: 'bad' as const, live: true, picks: firstBad } }, ...injections]) {
    k.run(after);
    ran10 ||= u.running('simplefs') === '1.0.0';
    if (e.kind === 'bad') {
      if (e.picks.length === 0) continue;
      for (const pick of e.picks) disk.injectError(badSector(disk, e.live ? u.fileBlocks() : null, pick));
      window.bad = true;
      window.generation++;
    } else if (e.kind === 'clear') {
      disk.clearErrors();
      window.bad = false;
    } else if (e.kind === 'hang') {
      disk.injectHang(e.requests);
      hangsOpen++;
      k.machine.events.after(e.releaseAfter, 'props:release', () => {
        s.hungReleased += disk.release();
        hangsOpen--;
      });
    } else {
      const step = stepOf(kind, u, e, updated);
      if (!step) continue;
      try {
        // The kernel's default strategy or one of those it offers (the `unsafe` control is not among them).
        const strategy = [undefined, ...u.updater.strategies][e.strategy % (u.updater.strategies.length + 1)];
        const started = await u.updater.request(step, { lazy: e.lazy, ...(strategy ? { strategy } : {}) });
        updates.push({ started, underFaults: underFaults() }); // it runs beside the workload from here on
        if (step.kind === 'update') updated.add(e.component);
      } catch (err) {
        if (!isKernelError(err)) throw err; // refused at plan time (one is running, nothing to revert): the machine is untouched
        countOther(s.other, `refused ${err.errno}`);
      }
    }
  }
  // The workload goes on under the faults left, until it ends or nothing
  // moves (a hang met after its release came); then every fault goes:
  // errors cleared, hangs not yet met cancelled, stalled requests released.
  k.runUntil(() => workers.every((w) => w.state === 'exited'), STUCK_AFTER);
  disk.clearErrors();
  window.bad = false;
  disk.cancelHangs();
  disk.release();
  for (const w of workers) k.runThread(w, END_BUDGET);
  for (const { started, underFaults: faulty } of updates) {
    k.runUntil(() => started.thread.state === 'exited', END_BUDGET);
    const { record } = started;
    if (record.outcome === 'committed') {
      s.committed++;
      if (faulty) s.committedUnderFaults++;
      if (record.kind === 'revert') s.revertsCommitted++;
    } else countOther(s.other, `${record.outcome}${record.error ? ` ${record.error.errno}` : ''}`);
    ran10 ||= u.running('simplefs') === '1.0.0';
  }
  // Then every thread reads its whole tree, with no fault left.
  const audit: FaultyResult[][] = threads.map(() => []);
  for (const w of startFaultyThreads(k, threads.map(() => AUDIT), window, audit, 'audit')) k.runThread(w, END_BUDGET);
  return { got: got.map((r, t) => [...r, ...audit[t]!]), ran10 };
}

const procedural = async (seed: number, cpus: number, n: number, start: Record<Component, string>): Promise<KernelUnderTest> => {
  const k: Kernel = await fsMachine([`blkdev@${start.blkdev}`, `simplefs@${start.simplefs}`], seed, cpus, n);
  return {
    k,
    updater: new Updater(k, catalogResolver),
    running: (c) => k.loader.require(c).def.version,
    fileBlocks: () => [...k.store.table('simplefs', 'inodes').entries()].flatMap(([, r]) => (r as unknown as { blocks: readonly number[] }).blocks),
    fsck: (strict) => fsck(k, { writesInFlight: !strict }),
  };
};

const objects = async (seed: number, cpus: number, n: number, start: Record<Component, string>): Promise<KernelUnderTest> => {
  const k = ooFsMachine(seed, cpus, n, start);
  const fileBlocks = () => [...k.factory('Inode').instances.values()].flatMap((i) => (i.obj as { blocks: readonly number[] }).blocks);
  return { k, updater: new ObjectUpdater(k), running: (c) => k.releases.get(c)!, fileBlocks, fsck: () => [] };
};

const RUNS = 30;

describe.each([
  ['procedural', procedural],
  ['objects', objects],
] as const)('disk faults on the %s kernel', (kind, boot) => {
  const name = `disk faults, ${kind} kernel`;
  test.prop(
    { seed: fc.nat(), cpus: fc.integer({ min: 1, max: 4 }), start: starts(kind), threads: workload, firstBad: fc.array(fc.nat(), { maxLength: 3 }), injections: fc.array(injection, { minLength: 4, maxLength: 14 }) },
    propParams(name, RUNS),
  )('every result is the fault model\'s, and after the faults every read is', async ({ seed, cpus, start, threads, firstBad, injections }) => {
    seen[kind].runs++;
    const u = await boot(seed, cpus, threads.length, start);
    const { got, ran10 } = await runWithFaults(kind, u, threads, firstBad, injections);
    const ops = threads.map((t) => [...t, ...AUDIT]);
    const expected = ops.map((o, t) => expectedResults(o, got[t]!, seen[kind].tally));
    expect(got.map((r) => r.map((x) => x.res))).toEqual(expected);
    expect(u.k.stats.oopses).toBe(0);
    expect(u.fsck(!ran10)).toEqual([]);
  });

  afterAll(() => {
    const s = seen[kind];
    console.log(`[props] ${name}: EIO reads ${s.tally.eioReads}, EIO writes ${s.tally.eioWrites}, unsure bytes read back ${s.tally.unsureReads}, hung requests released ${s.hungReleased}, updates committed ${s.committed} (under faults ${s.committedUnderFaults}, reverts ${s.revertsCommitted}), not committed: ${[...s.other].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
    checkCoverage(name, s.runs, RUNS, [
      { what: 'reads that failed with EIO', count: s.tally.eioReads, moreThan: 8 },
      { what: 'writes and overwrites that failed with EIO', count: s.tally.eioWrites, moreThan: 40 },
      { what: 'reads of bytes a failed write left unsure', count: s.tally.unsureReads, moreThan: 1 },
      { what: 'hung requests released while the workload ran', count: s.hungReleased, moreThan: 20 },
      { what: 'updates committed under faults', count: s.committedUnderFaults, moreThan: 5 },
      { what: 'reverts committed', count: s.revertsCommitted, moreThan: 0 },
    ]);
  });
});
