// Property tests of live update. Random multi-thread filesystem workloads
// run while updates (interface changes through adaptors, groups and lazy
// migrations among them), reverts and updates built to abort (a transfer
// that throws) are started at random moments with random strategies; each
// thread's results must still be exactly what the reference model says, as
// if nothing had been updated. And for any filesystem contents, an update
// followed by a revert gives back an equal state.

import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { isKernelError } from '../exec/errno.js';
import { catalogResolver, loadModuleDef } from '../catalog/catalog.js';
import { parseUpdateStep, type StartedUpdate, type UpdateOptions } from '../exec/lifecycle.js';
import type { Strategy } from '../updater/plan.js';
import { Updater } from '../updater/updater.js';
import { fsOp, threadOps } from './arbitraries.js';
import { audited, fsMachine, startThreads } from './harness.js';
import { checkCoverage, propParams } from './seed.js';

const ACTIONS = [
  'blkdev@1.1.0', 'simplefs@1.1.0', 'simplefs@1.2.0', 'kmsg@2.0.0',
  'blkdev@2.0.0', 'simplefs@2.0.0', 'simplefs@2.1.0', 'blkdev@2.0.0 simplefs@2.0.0',
  'revert blkdev', 'revert simplefs', 'revert kmsg', 'abort simplefs',
] as const;
type Action = (typeof ACTIONS)[number];

const injection = fc.record({
  after: fc.integer({ min: 0, max: 15_000 }),
  action: fc.constantFrom(...ACTIONS),
  strategy: fc.constantFrom<Strategy | 'default'>('default', 'module', 'per-task', 'stop-machine'),
  migration: fc.constantFrom<'default' | 'lazy' | 'eager'>('default', 'lazy', 'eager'),
});

/** Start what an action asks for; null when it does not apply right now (nothing to revert). Throws the plan's refusal. */
async function startAction(u: Updater, action: Action, opts: UpdateOptions): Promise<StartedUpdate | null> {
  if (action === 'abort simplefs') {
    const { def } = await loadModuleDef('simplefs@1.2.0');
    const from = [u.k.loader.require('simplefs').def.version];
    return u.start([{ def: { ...def, version: '9.9.9', upgrade: { from, state: () => { throw new Error('injected transfer failure'); } } }, source: 'props' }], opts as Parameters<Updater['start']>[1]);
  }
  const step = parseUpdateStep(action);
  if (step.kind === 'revert' && u.k.loader.require(step.specs[0]!).updateStack.length === 0) return null;
  return u.request(step, opts);
}

/** Outcomes over every run, to check the property exercised what it claims. */
const seen = new Map<string, number>();
let runs = 0;
const RUNS = 25;

describe('live update is invisible to the workload', () => {
  afterAll(() => {
    console.log(`[props] update outcomes: ${[...seen].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
    const count = (suffix: string) => [...seen].filter(([k]) => k.endsWith(suffix)).reduce((n, [, c]) => n + c, 0);
    checkCoverage('updates, reverts and aborts at random points', runs, RUNS, [
      { what: 'committed updates', count: count(':committed'), moreThan: 10 },
      { what: 'aborted updates', count: count(':aborted'), moreThan: 0 },
      { what: 'committed reverts', count: [...seen].filter(([k]) => k.startsWith('revert') && k.endsWith(':committed')).reduce((n, [, c]) => n + c, 0), moreThan: 0 },
    ]);
  });

  test.prop(
    { seed: fc.nat(), cpus: fc.integer({ min: 1, max: 4 }), threads: threadOps(3, 20), updates: fc.array(injection, { maxLength: 6 }) },
    propParams('updates, reverts and aborts at random points', RUNS),
  )('every thread sees what the model says, with updates going on', async ({ seed, cpus, threads, updates }) => {
    runs++;
    const k = await fsMachine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'], seed, cpus, threads.length);
    const u = new Updater(k, catalogResolver);
    const got: string[][] = threads.map(() => []);
    const workers = startThreads(k, threads, got);
    const outcomes: string[] = [];
    for (const inj of updates) {
      k.run(inj.after);
      const opts = { ...(inj.strategy === 'default' ? {} : { strategy: inj.strategy }), ...(inj.migration === 'default' ? {} : { lazy: inj.migration === 'lazy' }) };
      try {
        const started = await startAction(u, inj.action, opts);
        if (!started) continue;
        const { record, thread } = started;
        k.runThread(thread, Number.MAX_SAFE_INTEGER);
        outcomes.push(`${inj.action}:${record.outcome}`);
        seen.set(`${inj.action}:${record.outcome}`, (seen.get(`${inj.action}:${record.outcome}`) ?? 0) + 1);
        if (inj.action === 'abort simplefs') expect(record.outcome).toBe('aborted');
      } catch (e) {
        // Refused at plan time (already running, no path, per-task with state): the machine is untouched.
        if (!isKernelError(e)) throw e;
        outcomes.push(`${inj.action}:refused`);
        seen.set(`${inj.action}:refused`, (seen.get(`${inj.action}:refused`) ?? 0) + 1);
      }
    }
    for (const w of workers) k.runThread(w);
    const audit = audited(k, threads, got); // every thread reads its whole tree, after all the updates
    expect(audit.seen).toEqual(audit.model);
    expect(k.stats.oopses).toBe(0);
    for (const s of k.symbols.all()) expect(s.gate).toBeNull();
  });

  test.prop({ seed: fc.nat(), ops: fc.array(fsOp, { maxLength: 40 }), strategy: fc.constantFrom<Strategy>('module', 'stop-machine') }, propParams('update then revert', 25))(
    'simplefs 1.1 -> 1.2 -> revert gives back an equal state',
    async ({ seed, ops, strategy }) => {
      const k = await fsMachine(['blkdev@1.0.0', 'simplefs@1.1.0'], seed, 2, 1);
      const got: string[][] = [[]];
      for (const w of startThreads(k, [ops], got)) k.runThread(w);
      const before = k.store.image('simplefs');
      const u = new Updater(k);
      u.run([await loadModuleDef('simplefs@1.2.0')], { strategy });
      u.revert('simplefs', { strategy });
      expect(k.store.state('simplefs')).toEqual(before.state);
      expect([...k.store.table('simplefs', 'inodes').entries()]).toEqual([...before.tables.inodes!.entries()]);
    },
  );
});
