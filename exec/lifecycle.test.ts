// The shared update lifecycle on a stand-in kernel: how steps are parsed,
// that one update runs at a time, how drive commits or rolls back and
// aborts, what the trace and the log see, and the history's head line.

import { describe, expect, it } from 'vitest';
import { isKernelError } from './errno.js';
import { HookList } from './hooks.js';
import { type LifecycleHost, parseUpdateStep, stepText, UpdateLifecycle } from './lifecycle.js';
import { Machine } from '../hw/machine.js';
import { Scheduler } from './sched.js';
import { Taint } from './taint.js';
import type { KGen, Thread } from './thread.js';

function host() {
  const traced: string[] = [];
  const log: string[] = [];
  const h: LifecycleHost & { now: number; stats: { syscalls: number } } = {
    now: 100,
    stats: { syscalls: 7 },
    machine: { events: { trace: { mixString: (x: string) => void traced.push(x) } } },
    printk: (t) => void log.push(t),
    runThread: () => undefined,
    sched: new Scheduler(new Machine({ cpus: 1 })),
    taint: new Taint(() => 100, (t) => void log.push(t)),
    hooks: { syscallReturn: new HookList() },
  };
  return { h, traced, log, life: new UpdateLifecycle(h, 'upd') };
}

const fields = { kind: 'update' as const, modules: [{ name: 'm', from: '1.0.0', to: '1.1.0' }], strategy: 'module', lazy: false, timeout: 1000, detail: null };

/** Drive a generator to its end, as a kernel thread would. */
function runGen(g: KGen<void>): void {
  for (let r = g.next(); !r.done; r = g.next());
}

describe('update steps', () => {
  it('parses a group and a revert, and gives the text back', () => {
    expect(parseUpdateStep(' a@1.0.0  b@2.0.0 ')).toEqual({ kind: 'update', specs: ['a@1.0.0', 'b@2.0.0'] });
    expect(parseUpdateStep('revert simplefs')).toEqual({ kind: 'revert', specs: ['simplefs'] });
    expect(stepText(parseUpdateStep('revert simplefs'))).toBe('revert simplefs');
    expect(stepText(parseUpdateStep('a@1 b@2'))).toBe('a@1 b@2');
  });

  it('refuses an empty step and a revert of two names with EINVAL', () => {
    for (const bad of ['', '   ', 'revert', 'revert a b']) {
      let e: unknown = null;
      try {
        parseUpdateStep(bad);
      } catch (x) {
        e = x;
      }
      expect(isKernelError(e) && e.errno, bad).toBe('EINVAL');
    }
  });
});

describe('the lifecycle', () => {
  it('numbers updates, allows one at a time, and commits through drive', () => {
    const { h, traced, log, life } = host();
    const r = life.begin(fields, 0, 'plan detail');
    expect(r.id).toBe(1);
    expect(life.running).toBe(r);
    expect(() => life.begin(fields, 0, 'x')).toThrow(expect.objectContaining({ errno: 'EBUSY', message: 'update 1 is still in progress' }));
    const seen: string[] = [];
    const off = life.phases.add((_, e) => seen.push(e.phase));
    runGen(
      life.drive(
        r,
        (function* () {
          h.now = 150;
          h.stats.syscalls = 10;
          life.event(r, 'switch', 100, 1, 'retargeted');
        })(),
        () => 'module',
      ),
    );
    off();
    expect(r.outcome).toBe('committed');
    expect(r.phases.map((e) => e.phase)).toEqual(['plan', 'switch', 'commit']);
    expect(seen).toEqual(['switch', 'commit']);
    expect(traced).toEqual(['upd:1:plan', 'upd:1:switch', 'upd:1:commit']);
    expect(log).toEqual(['update 1: m 1.0.0 -> 1.1.0 committed (module)', 'taint: livepatched (K): update 1: m 1.0.0 -> 1.1.0']);
    expect(r.syscallsDuring).toBe(3);
    expect(r.endedAt).toBe(150);
    expect(life.running).toBeNull();
    expect(UpdateLifecycle.headline(r)).toBe('update 1: m 1.0.0 -> 1.1.0  strategy module  committed');
  });

  it('rolls back and aborts when the phases throw; a non-errno failure is ECANCELED', () => {
    const { h, log, life } = host();
    const r = life.begin(fields, 0, 'p');
    let rolledBack = 0;
    runGen(
      life.drive(
        r,
        (function* (): KGen<void> {
          h.now = 400;
          throw new Error('transfer blew up');
        })(),
        () => 'module',
        () => void rolledBack++,
      ),
    );
    expect(rolledBack).toBe(1);
    expect(r.outcome).toBe('aborted');
    expect(r.error?.errno).toBe('ECANCELED');
    expect(r.error?.message).toBe('update failed: transfer blew up');
    expect(r.waitCycles).toBe(300);
    expect(log).toEqual(['update 1: aborted: update failed: transfer blew up']);
    expect(UpdateLifecycle.headline(r)).toBe('update 1: m 1.0.0 -> 1.1.0  strategy module  aborted (ECANCELED)');
    expect(life.begin(fields, 0, 'next').id).toBe(2); // the next one may start
  });

  it('runToEnd returns a committed record and throws an aborted one', () => {
    const { life } = host();
    const r = life.begin(fields, 0, 'p');
    runGen(life.drive(r, (function* () {})(), () => 'x'));
    expect(life.runToEnd({ record: r, thread: {} as Thread })).toBe(r);
    const bad = life.begin(fields, 0, 'p');
    runGen(life.drive(bad, (function* (): KGen<void> { throw new Error('no'); })(), () => 'x'));
    expect(() => life.runToEnd({ record: bad, thread: {} as Thread })).toThrow('update failed: no');
  });
});

describe('hook lists', () => {
  it('call every subscriber in order, and each handle removes only its own', () => {
    const hooks = new HookList<[number]>();
    const got: string[] = [];
    const offA = hooks.add((n) => got.push(`a${n}`));
    hooks.add((n) => got.push(`b${n}`));
    hooks.run(1);
    offA();
    offA(); // twice is harmless
    hooks.run(2);
    expect(got).toEqual(['a1', 'b1', 'b2']);
    expect(hooks.size).toBe(1);
  });
});
