// Work the user can stop, driven through the console's cancel path without a
// terminal: `tick` of any size returns at once on an idle machine and ends
// exactly as ticking through it in pieces; a run in slices ends exactly as
// one run; Ctrl-C (session.interrupt) stops a long tick, a waited update
// (which rolls back) and workload stop, each with ECANCELED, and the
// machine goes on consistent: the workload then verifies every byte. And
// Ctrl-C's meaning at the prompt, as in Node's REPL.

import { describe, expect, it } from 'vitest';
import { isKernelError } from '../exec/errno.js';
import { fsck } from '../props/fsck.js';
import { ConsoleSession } from './console.js';
import { CtrlC, runInSlices } from './interrupt.js';

const BOOT = ['insmod kmsg', 'insmod blkdev', 'insmod simplefs@1.1.0', 'mount simplefs disk0 /mnt'];

async function session(lines: readonly string[] = BOOT) {
  const out: string[] = [];
  const s = ConsoleSession.boot({ seed: 9, cpus: 2 }, (l) => out.push(l));
  for (const l of lines) await s.exec(l);
  return { s, out };
}

/** The errno a command failed with, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isKernelError(e)) return `${e.errno}: ${e.message}`;
    throw e;
  }
}

describe('tick of any size', () => {
  it('returns at once on an idle machine, and ends as ticking through it in pieces does', async () => {
    const one = await session();
    const started = performance.now();
    await one.s.exec('tick 1e15');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(one.s.k.now).toBe(1e15 + (await session()).s.k.now);

    const pieces = await session();
    await pieces.s.exec('tick 1e14');
    for (let i = 0; i < 9; i++) await pieces.s.exec('tick 1e13');
    await pieces.s.exec('tick 8.1e14');
    expect(pieces.s.k.now).toBe(one.s.k.now);
    expect(pieces.s.k.machine.traceHash()).toBe(one.s.k.machine.traceHash());
  });

  it('skips only idle time: a sleeper waking in the middle runs at its time, and the file commands after it work', async () => {
    const runs = await Promise.all([session(), session()]);
    const woke: number[] = [];
    for (const { s } of runs) {
      const start = s.k.now;
      s.k.spawnKernel('late', (function* () {
        yield* s.k.sched.sleep(5e12);
        woke.push(s.k.now - start);
      })());
    }
    await runs[0]!.s.exec('tick 1e13');
    await runs[1]!.s.exec('tick 4e12');
    await runs[1]!.s.exec('tick 6e12');
    expect(woke[0]).toBeGreaterThanOrEqual(5e12);
    expect(woke[0]).toBeLessThan(5e12 + 100_000);
    expect(woke[1]).toBe(woke[0]);
    expect(runs[1]!.s.k.machine.traceHash()).toBe(runs[0]!.s.k.machine.traceHash());
    await runs[0]!.s.exec('write /mnt/f after');
    expect(runs[0]!.s.k.now).toBeGreaterThan(1e13);
  });

  it('refuses a size that would take the clock past 2^53 with EINVAL', async () => {
    const { s } = await session([]);
    expect(await outcome(s.exec('tick 1e16'))).toMatch(/^EINVAL: tick 1e16 would take the clock past/);
  });
});

describe('a run in slices', () => {
  it('ends exactly as one run under load, whatever the slices', async () => {
    const whole = await session([...BOOT, 'workload start']);
    const sliced = await session([...BOOT, 'workload start']);
    whole.s.k.run(600_000);
    await runInSlices(sliced.s.k.machine.events, sliced.s.k.now + 600_000, 'test', undefined, undefined, 0); // a pause every 256 events
    expect(sliced.s.k.now).toBe(whole.s.k.now);
    expect(sliced.s.k.machine.traceHash()).toBe(whole.s.k.machine.traceHash());
  });
});

describe('Ctrl-C interrupts the running command, and the machine goes on', () => {
  it('a long tick under load: ECANCELED naming the time, then the workload verifies every byte', async () => {
    const { s, out } = await session([...BOOT, 'workload start threads=4']);
    s.sliceMs = 0;
    const tick = s.exec('tick 1G');
    expect(s.busy).toBe(true);
    expect(s.interrupt()).toBe(true);
    expect(await outcome(tick)).toMatch(/^ECANCELED: tick interrupted \(Ctrl-C\) at t=\d+$/);
    expect(s.busy).toBe(false);
    expect(s.interrupt()).toBe(false); // nothing runs now
    expect(s.k.now).toBeLessThan(1e9);
    await s.exec('tick 200k');
    await s.exec('workload stop');
    expect(out.find((l) => l.startsWith('verified '))).toMatch(/: all correct$/);
    expect(fsck(s.k)).toEqual([]);
    expect(s.k.stats.oopses).toBe(0);
  });

  it('an update waiting for quiescence: it aborts and rolls back, the state the same reference', async () => {
    const { s } = await session([...BOOT, 'write /mnt/a hello']);
    s.k.machine.disks[0]!.injectHang(1);
    const reader = s.k.spawnUser('reader', (sys) => sys.readFile('/mnt/a'));
    await s.exec('tick 50k');
    const before = s.k.store.state('simplefs');
    s.sliceMs = 0;
    const update = s.exec('update simplefs@1.2.0 --strategy module --timeout 1G');
    s.interrupt();
    expect(await outcome(update)).toMatch(/^ECANCELED: update \d+ cancelled while it waited \(Ctrl-C\)$/);
    expect(s.k.loader.require('simplefs').def.version).toBe('1.1.0');
    expect(s.k.store.state('simplefs')).toBe(before);
    expect(s.k.updates.history.at(-1)).toMatchObject({ outcome: 'aborted', error: { errno: 'ECANCELED' } });
    s.k.machine.disks[0]!.release();
    expect(new TextDecoder().decode(s.k.runThread(reader) as Uint8Array)).toBe('hello\n');
    await s.exec('update simplefs@1.2.0'); // and it can be done now
    expect(s.k.loader.require('simplefs').def.version).toBe('1.2.0');
  });

  it('a file command on a disk that does not answer: ECANCELED, its thread killed, so nothing stays pinned and umount works', async () => {
    const { s } = await session(['insmod kmsg', 'insmod blkdev timeout=1000000000', 'insmod simplefs@1.1.0', 'mount simplefs disk0 /mnt', 'write /mnt/a hello']);
    s.k.spawnKernel('ticker', (function* () {
      for (;;) yield* s.k.sched.sleep(1000); // events, so that a slice ends before the command limit
    })());
    s.k.machine.disks[0]!.injectHang(1);
    s.sliceMs = 0;
    const cat = s.exec('cat /mnt/a');
    s.interrupt();
    expect(await outcome(cat)).toMatch(/^ECANCELED: cat interrupted \(Ctrl-C\) at t=\d+$/);
    expect(s.k.sched.threads().filter((t) => t.name.startsWith('sh:'))).toEqual([]);
    await s.exec('umount /mnt'); // EBUSY if the killed cat still held its open file or the mount
    await s.exec('mount simplefs disk0 /mnt');
    expect(await outcome(s.exec('cat /mnt/a'))).toBe('ok');
    expect(s.k.stats.oopses).toBe(0);
  });

  it('one that never finishes: ETIMEDOUT after the command limit, its thread left running until kill TID ends it', async () => {
    const { s } = await session(['insmod kmsg', 'insmod blkdev timeout=1000000000', 'insmod simplefs@1.1.0', 'mount simplefs disk0 /mnt', 'write /mnt/a hello']);
    s.k.machine.disks[0]!.injectHang(1);
    expect(await outcome(s.exec('cat /mnt/a'))).toMatch(/^ETIMEDOUT: thread (\d+) \(sh:cat\) still running after 50000000 cycles, blocked on /);
    const [cat] = s.k.sched.threads().filter((t) => t.name === 'sh:cat');
    expect(await outcome(s.exec('umount /mnt'))).toMatch(/^EBUSY/);
    await s.exec(`kill ${cat!.tid}`);
    await s.exec('tick 1000');
    expect(s.k.sched.threads().filter((t) => t.name.startsWith('sh:'))).toEqual([]);
    await s.exec('umount /mnt');
  });

  it('workload stop while it verifies: ECANCELED, and a second stop verifies every byte', async () => {
    const { s, out } = await session([...BOOT, 'workload start threads=4 size=16k', 'tick 2M']);
    s.sliceMs = 0;
    const stop = s.exec('workload stop');
    s.interrupt();
    expect(await outcome(stop)).toMatch(/^ECANCELED: workload stop.* interrupted \(Ctrl-C\)/);
    await s.exec('workload stop');
    expect(out.find((l) => l.startsWith('verified '))).toMatch(/: all correct$/);
    expect(await outcome(s.exec('workload stop'))).toMatch(/^ESRCH/);
  });
});

describe('Ctrl-C at the prompt, as in Node\'s REPL', () => {
  it('interrupts a command when one runs; else clears a typed line; at an empty prompt hints, and a second press in a row exits', () => {
    let running = false;
    const c = new CtrlC({ interrupt: () => running });
    expect(c.press('')).toBe('hint');
    expect(c.press('')).toBe('exit');
    c.reset();
    expect(c.press('')).toBe('hint');
    expect(c.press('lsm')).toBe('cleared'); // typing in between starts over
    expect(c.press('')).toBe('hint');
    running = true;
    expect(c.press('')).toBe('interrupted');
    running = false;
    expect(c.press('')).toBe('hint'); // an interrupt is not the first of two presses
    c.reset(); // a line entered
    expect(c.press('')).toBe('hint');
  });
});
