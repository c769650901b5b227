// Property test of transitions left pending in the background. Random
// multi-thread filesystem workloads run while updates and reverts are
// started with no limit (as `update --nowait` starts them) at random
// moments, and at another random moment each is reversed, its stragglers
// signalled, forced, or left to a random policy (--signal-after and
// --reverse-after); each thread's results must still be exactly what the
// reference model says, and a reversed transition must leave every slot
// with the very target it had. blkdev runs with one request slot, so
// threads often sleep interruptibly for one and a signal really restarts
// their syscall (counted below, with the reversals and the forces).
//
// Force is unsafe by design: a thread left in the old code runs it against
// whatever state the new version has. When the update changes state that is
// a real corruption the model cannot predict (hence the taint), so the
// property forces only code-only updates, where old and new code share one
// state; a force asked of another update waits instead.

import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { forceTransition, reverseTransition, signalTransition } from '../api/control.js';
import { loadModuleDef } from '../catalog/catalog.js';
import { catalogResolver } from '../catalog/catalog.js';
import type { Sys } from '../exec/abi.js';
import { isKernelError } from '../exec/errno.js';
import { runProgram } from '../exec/executive.js';
import { parseUpdateStep } from '../exec/lifecycle.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import type { Strategy } from '../updater/plan.js';
import { type ProceduralRecord, Updater } from '../updater/updater.js';
import { fileOp, fsOp } from './arbitraries.js';
import { audited, startThreads } from './harness.js';
import { checkCoverage, propParams } from './seed.js';

const ACTIONS = ['next blkdev', 'next simplefs', 'revert blkdev', 'revert simplefs'] as const;
/** The version each update goes to next (blkdev 2.0.0 changes an interface; simplefs 1.2.0 changes state, so module). */
const NEXT: Readonly<Record<string, string>> = { 'blkdev 1.0.0': '1.1.0', 'blkdev 1.1.0': '2.0.0', 'simplefs 1.0.0': '1.1.0', 'simplefs 1.1.0': '1.2.0' };
const VERBS = ['reverse', 'signal', 'force', 'policy', 'wait'] as const;
/** Force applies to code-only updates only (see above), so it is drawn more often. */
const verbs = fc.constantFrom<Verb>(...VERBS, 'force', 'signal');
type Verb = (typeof VERBS)[number];

const injection = fc.record({
  after: fc.integer({ min: 0, max: 4_000 }),
  action: fc.constantFrom(...ACTIONS),
  strategy: fc.constantFrom<Strategy | 'default'>('default', 'module', 'per-task'),
  verb: verbs,
  verbAfter: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_500 })),
});

/** Threads with enough to do that several transitions meet them still running. */
const busyThreads = fc.array(fc.array(fc.oneof(fsOp, fileOp, fileOp), { minLength: 15, maxLength: 30 }), { minLength: 2, maxLength: 4 });

/** blkdev with one request slot, simplefs on /mnt, a directory per thread. */
async function machine(seed: number, cpus: number, threads: number): Promise<Kernel> {
  const k = bootKernel({ seed, cpus });
  for (const [spec, params] of [['blkdev@1.0.0', { queue_depth: '1' }], ['simplefs@1.0.0', {}]] as const) {
    const { def, source } = await loadModuleDef(spec);
    k.loader.insmod(def, params, source);
  }
  runProgram(k, 'setup', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
    for (let t = 0; t < threads; t++) yield* sys.mkdir(`/mnt/t${t}`);
  });
  return k;
}

/** What happened over every run, to check the property exercised what it claims. */
const seen = { committed: 0, reversed: 0, forced: 0, signals: 0, restarts: 0, policies: 0 };
let runs = 0;
const RUNS = 30;

/** Apply `verb` to the transition of `r`, if it is still pending. */
function act(k: Kernel, r: ProceduralRecord, verb: Verb): void {
  if (r.outcome !== 'running') return;
  if (verb === 'reverse') reverseTransition(k, undefined, 0);
  else if (verb === 'signal') {
    // A signal wakes only a thread asleep interruptibly at that moment: signal now and again while it waits, as kpatch's loader may.
    for (let i = 0; i < 20 && r.outcome === 'running'; i++) {
      signalTransition(k);
      k.runUntil(() => r.outcome !== 'running', 300);
    }
  }
  else if (verb === 'force' && r.detail.codeOnly) forceTransition(k, 0);
}

describe('transitions in the background are invisible to the workload', () => {
  afterAll(() => {
    console.log(`[props] transitions: ${Object.entries(seen).map(([w, n]) => `${w} ${n}`).join(', ')}`);
    checkCoverage('transitions started, reversed, signalled or forced at random moments', runs, RUNS, [
      { what: 'committed transitions', count: seen.committed, moreThan: 10 },
      { what: 'reversed transitions', count: seen.reversed, moreThan: 2 },
      { what: 'forced transitions', count: seen.forced, moreThan: 2 },
      { what: 'threads woken by a signal', count: seen.signals, moreThan: 2 },
      { what: 'syscalls restarted after a signal', count: seen.restarts, moreThan: 2 },
      { what: 'transitions left to a policy', count: seen.policies, moreThan: 1 },
    ]);
  });

  test.prop(
    { seed: fc.nat(), cpus: fc.integer({ min: 1, max: 4 }), threads: busyThreads, updates: fc.array(injection, { minLength: 1, maxLength: 5 }) },
    propParams('transitions started, reversed, signalled or forced at random moments', RUNS),
  )('every thread sees what the model says', async ({ seed, cpus, threads, updates }) => {
    runs++;
    const k = await machine(seed, cpus, threads.length);
    const u = new Updater(k, catalogResolver);
    const got: string[][] = threads.map(() => []);
    const workers = startThreads(k, threads, got);
    for (const inj of updates) {
      k.run(inj.after);
      const [what, name] = inj.action.split(' ') as [string, string];
      const mod = k.loader.require(name);
      const next = NEXT[`${name} ${mod.def.version}`];
      if (what === 'revert' ? mod.updateStack.length === 0 : next === undefined) continue;
      const step = parseUpdateStep(what === 'revert' ? inj.action : `${name}@${next}`);
      const policy = inj.verb === 'policy' ? { signalAfter: inj.verbAfter + 1, reverseAfter: 3 * inj.verbAfter + 1 } : {};
      const targets = new Map(k.symbols.all().map((s) => [s, s.target]));
      let r: ProceduralRecord;
      try {
        r = (await u.request(step, { ...(inj.strategy === 'default' ? {} : { strategy: inj.strategy }), timeout: null, ...policy })).record as ProceduralRecord;
      } catch (e) {
        if (!isKernelError(e)) throw e; // refused at plan time (no path, per-task with state): the machine is untouched
        continue;
      }
      if (inj.verb === 'policy') seen.policies++;
      // The moment: `verbAfter` cycles after the transition is first held up by a thread (if it ever is).
      k.runUntil(() => r.outcome !== 'running' || (k.updates.pending?.stragglers().length ?? 0) > 0, 100_000);
      k.runUntil(() => r.outcome !== 'running', inj.verbAfter);
      act(k, r, inj.verb);
      // With no limit it ends when the threads leave the old code (they all finish their operations).
      k.runUntil(() => r.outcome !== 'running', 200_000_000);
      expect(r.outcome).not.toBe('running');
      expect(r.outcome).not.toBe('aborted');
      if (r.outcome === 'reversed') {
        for (const [s, target] of targets) expect(s.target).toBe(target);
      }
      seen[r.outcome as 'committed' | 'reversed' | 'forced']++;
      seen.signals += r.signalled;
    }
    for (const w of workers) k.runThread(w);
    const audit = audited(k, threads, got); // every thread reads its whole tree, after all the updates
    expect(audit.seen).toEqual(audit.model);
    expect(k.stats.oopses).toBe(0);
    for (const s of k.symbols.all()) expect(s.gate).toBeNull();
    seen.restarts += k.stats.restarts;
  });
});
