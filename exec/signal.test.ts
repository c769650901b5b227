// Signals and kills at the level of threads and wait queues (exec/signal.ts,
// exec/sched.ts): which waits a fake signal wakes (interruptible ones, in a
// syscall, before any change), that the woken thread is off its queue (a
// later wake-up finds nobody), that a kill ends a thread through its
// `finally` blocks only, whatever it catches.

import { describe, expect, it } from 'vitest';
import { Machine } from '../hw/machine.js';
import { Scheduler } from './sched.js';
import { fakeSignal, interruptibleNow, kill, SyscallRestart } from './signal.js';
import type { KGen } from './thread.js';

function world() {
  const m = new Machine({ seed: 1, cpus: 1 });
  return { m, sched: new Scheduler(m) };
}

describe('a fake signal', () => {
  it('wakes an interruptible sleeper in a syscall that has changed nothing, with SyscallRestart, and takes it off its queue', () => {
    const { m, sched } = world();
    const q = sched.waitQueue('q');
    const seen: string[] = [];
    const t = sched.spawn('sleeper', 'user', (function* (): KGen<void> {
      try {
        yield* q.wait(sched.self(), 'napping', true);
        seen.push('woken normally');
      } catch (e) {
        seen.push(e instanceof SyscallRestart ? 'restart' : String(e));
      }
    })());
    m.events.runUntil(1_000);
    t.syscall = 'read'; // as the syscall entry sets it
    expect(interruptibleNow(t)).toBe(true);
    expect(fakeSignal(sched, t)).toBe('woken');
    expect(q.length).toBe(0);
    expect(q.wakeOne()).toBe(false);
    m.events.runUntil(2_000);
    expect(seen).toEqual(['restart']);
    expect(t.state).toBe('exited');
  });

  it('leaves alone an uninterruptible wait, a sleeper whose syscall has committed, and a kernel thread; a runnable one needs nothing', () => {
    const { m, sched } = world();
    const q = sched.waitQueue('q');
    const body = (interruptible: boolean) => (function* (): KGen<void> {
      yield* q.wait(sched.self(), 'w', interruptible);
    })();
    const disk = sched.spawn('disk', 'user', body(false));
    const committed = sched.spawn('committed', 'user', body(true));
    const kthread = sched.spawn('kthread', 'kernel', body(true));
    m.events.runUntil(1_000);
    disk.syscall = committed.syscall = 'write';
    committed.effects = 1;
    for (const t of [disk, committed, kthread]) expect(fakeSignal(sched, t)).toBe('uninterruptible');
    expect(q.length).toBe(3);
    q.wakeAll();
    expect(fakeSignal(sched, disk)).toBe('running');
  });
});

describe('a kill', () => {
  it('ends a thread through its finally blocks, never its catch, even one blocked in an uninterruptible wait', () => {
    const { m, sched } = world();
    const q = sched.waitQueue('q');
    const seen: string[] = [];
    const t = sched.spawn('victim', 'user', (function* (): KGen<void> {
      for (;;) {
        try {
          yield* q.wait(sched.self(), 'disk I/O');
        } catch {
          seen.push('caught'); // a program that catches everything cannot stay alive
        } finally {
          seen.push('finally');
        }
      }
    })());
    m.events.runUntil(1_000);
    kill(sched, t);
    expect(q.length).toBe(0);
    m.events.runUntil(2_000);
    expect(t.state).toBe('exited');
    expect(t.error).toBeUndefined();
    expect(seen).toEqual(['finally']);
  });
});
