// The console's verbs on a transition left pending, on both kernels: the
// lines the contract gives (started, transition, signal, force, reversed,
// the end printed by a later command), the patch column of ps, and the
// errors: a verb with nothing pending, purge of a module the transition
// does not change, --timeout none without --nowait, a second update.

import { describe, expect, it } from 'vitest';
import { ConsoleSession } from './console.js';
import { ObjectConsoleSession } from './objects.js';
import { runScript } from './script.js';
import type { Session } from './session.js';

function run(s: Session, lines: string[], text: string) {
  const errors: string[] = [];
  return runScript(s, text, { source: 'test', echo: false, printErr: (l) => errors.push(l) }).then((ok) => ({ ok, errors, out: lines.filter((l) => !l.startsWith('  [')) }));
}

/** A workload with one thread asleep in a hung disk request. */
const STALL = ['mount simplefs disk0 /mnt', 'workload start', 'tick 20k', 'fault disk0 hang 1', 'tick 50k'];

describe('the procedural console', () => {
  const boot = () => {
    const lines: string[] = [];
    return { s: ConsoleSession.boot({ seed: 1, cpus: 4 }, (l) => lines.push(l)), lines };
  };

  it('starts with --nowait, shows the transition and the patch column, signals, forces, and refuses rmmod after', async () => {
    const { s, lines } = boot();
    const r = await run(s, lines, ['insmod blkdev@1.0.0', 'insmod simplefs@1.0.0', ...STALL, 'update blkdev@1.1.0 --nowait', 'tick 30k', 'transition', 'ps', 'signal', 'force', '! rmmod blkdev'].join('\n'));
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.out).toContain('update 1 started: blkdev 1.0.0 -> 1.1.0 (per-task), transition pending');
    expect(r.out).toContain('update 1: patching blkdev 1.0.0 -> 1.1.0 (per-task), 30192 cycles');
    expect(r.out).toContain('  tid 4 work2  old   in blkdev.blk_submit');
    expect(r.out).toContain('  tid 2 work0  new');
    const ps = r.out.slice(r.out.findIndex((l) => l.startsWith('tid  name')));
    expect(ps[0]).toMatch(/syscall\s+patch\s+stack/);
    expect(ps.find((l) => l.startsWith('4 '))).toMatch(/\bold\b/);
    expect(ps.find((l) => /kupdate/.test(l))).toMatch(/\s-\s+-$/);
    expect(r.out).toContain('signalled 0 threads; 1 in an uninterruptible wait (tid 4)');
    expect(r.out).toContain('update 1 forced: 1 thread never moved (tid 4); kernel tainted (F); blkdev 1.0.0 stays resident');
    expect(r.out.some((l) => l.includes('(failed as expected) EBUSY: module blkdev cannot be unloaded: update 1 was forced'))).toBe(true);
    expect(s.k.updates.history[0]!.outcome).toBe('forced');
  });

  it('prints a background transition\'s end under the command that was running; revert reverses a pending one', async () => {
    const { s, lines } = boot();
    const r = await run(s, lines, ['insmod blkdev@1.0.0', 'insmod simplefs@1.0.0', ...STALL, 'update blkdev@1.1.0 --nowait', 'tick 30k', 'revert blkdev', 'transition', 'update blkdev@1.1.0 --nowait --timeout 5000', 'tick 20k'].join('\n'));
    expect(r.errors).toEqual([]);
    expect(r.out).toContain('update 1 reversed: blkdev stays at 1.0.0');
    expect(r.out).toContain('no transition pending');
    const aborted = r.out.findIndex((l) => l.startsWith('update 2 aborted: ETIMEDOUT: update did not complete its transition within 5000 cycles'));
    expect(aborted).toBeGreaterThan(-1);
    expect(r.out[aborted + 1]).toMatch(/^t=\d+$/); // printed by tick, before tick's own line
    expect(s.k.loader.require('blkdev').def.version).toBe('1.0.0');
  });

  it('purge refuses naming the thread, and purge --kill kills it and completes', async () => {
    const { s, lines } = boot();
    const r = await run(s, lines, ['insmod blkdev@1.0.0', 'insmod simplefs@1.0.0', ...STALL, 'update blkdev@1.1.0 --nowait', 'tick 10k', '! purge blkdev', '! purge simplefs', 'purge blkdev --kill'].join('\n'));
    expect(r.errors).toEqual([]);
    expect(r.out).toContain('  (failed as expected) EBUSY: update 1: 1 thread(s) still run the old code: tid 4 (work2) in blkdev.blk_submit (wait for them (tick), signal them, or purge --kill to kill them)');
    expect(r.out).toContain('  (failed as expected) EINVAL: the pending transition (update 1) does not change simplefs (it changes blkdev)');
    const killed = r.out.indexOf('killed 1 thread (tid 4)');
    expect(killed).toBeGreaterThan(-1);
    expect(r.out[killed + 1]).toMatch(/^update 1 committed: blkdev 1\.0\.0 -> 1\.1\.0 \(per-task\)/);
  });

  it('refuses what makes no sense, with the errno and what to do, and changes nothing', async () => {
    const { s, lines } = boot();
    const r = await run(s, lines, ['insmod blkdev@1.0.0', 'insmod simplefs@1.0.0', '! signal', '! force', '! purge blkdev', '! update blkdev@1.1.0 --timeout none', '! update blkdev@1.1.0 --nowait --strategy stop-machine', 'transition'].join('\n'));
    expect(r.errors).toEqual([]);
    const failed = r.out.filter((l) => l.includes('(failed as expected)'));
    expect(failed.slice(0, 3)).toEqual(['signal', 'force', 'purge'].map((v) => `  (failed as expected) EINVAL: no transition pending (${v} acts on an update started with --nowait while it waits; history shows how the last ones ended)`));
    expect(failed[3]).toMatch(/EINVAL: --timeout none needs --nowait/);
    expect(failed[4]).toMatch(/EINVAL: stop-machine does not wait in the background/);
    expect(r.out.at(-1)).toBe('no transition pending');
    expect(s.k.updates.history.map((x) => x.outcome)).toEqual(['refused']);
  });
});

describe('the object twin console', () => {
  it('the same verbs on a pending hot-swap', async () => {
    const lines: string[] = [];
    const s = ObjectConsoleSession.boot({ seed: 1, cpus: 4 }, (l) => lines.push(l));
    const r = await run(s, lines, [...STALL, 'update blkdev@1.1.0 --nowait', 'tick 30k', 'transition', 'signal', 'force'].join('\n'));
    expect(r.errors).toEqual([]);
    expect(r.out).toContain('update 1 started: blkdev 1.0.0 -> 1.1.0 (hot-swap), transition pending');
    expect(r.out.some((l) => /^ {2}tid \d+ work\d {2}old {3}in /.test(l))).toBe(true);
    expect(r.out.some((l) => /^signalled 0 threads; \d in an uninterruptible wait/.test(l))).toBe(true);
    expect(r.out.some((l) => /^update 1 forced: \d threads? never moved \(.*\); kernel tainted \(F\); blkdev 1\.0\.0 stays resident$/.test(l))).toBe(true);
  });
});
