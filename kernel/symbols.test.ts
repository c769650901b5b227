// Stubs and gates, as the updater will use them: a generator call through a
// stub stays on the caller's shadow stack while it is suspended; retargeting
// a slot redirects new calls while old calls finish in the old code; a gate
// can hold callers; direct binding bypasses all of it. Observers are told of
// each frame pushed and popped.

import { describe, expect, it } from 'vitest';
import { Machine } from '../hw/machine.js';
import { Scheduler } from '../exec/sched.js';
import { type Gate, makeTarget, type Slot, SymbolTable, type Target } from './symbols.js';
import { BLOCK, type KGen, type Thread, WaitQueue } from '../exec/thread.js';

function world(binding: 'stubs' | 'direct' = 'stubs') {
  const m = new Machine({ seed: 1, cpus: 1 });
  const sched = new Scheduler(m);
  const symbols = new SymbolTable(sched, binding);
  return { m, sched, symbols };
}

describe('stubs', () => {
  it('keep a frame on the shadow stack while a call is suspended, and pop it on return, telling the frame hooks', () => {
    const { m, sched, symbols } = world();
    const told: string[] = [];
    sched.framePushed.add((t, f) => told.push(`push ${f.fn} ${m.now} depth ${t.frames.length}`));
    sched.framePopped.add((t, f) => told.push(`pop ${f.fn} ${m.now} depth ${t.frames.length}`));
    const q = new WaitQueue('io', (t) => sched.wake(t));
    const slot = symbols.define(
      'io_wait@1',
      makeTarget('drv', '1.0.0', 'io_wait', function* (): KGen<number> {
        yield* q.wait(sched.self());
        return 42;
      }),
      true,
    );
    const call = symbols.bind(slot);
    let result = 0;
    const t = sched.spawn('t', 'kernel', (function* () {
      result = (yield* call()) as number;
    })());
    m.events.runUntil(1000);
    expect(t.state).toBe('blocked');
    expect(t.frames).toEqual([{ module: 'drv', version: '1.0.0', fn: 'io_wait' }]);
    expect(slot.active).toBe(1);
    q.wakeOne();
    m.events.runUntil(2000);
    expect(result).toBe(42);
    expect(t.frames).toEqual([]);
    expect(slot.active).toBe(0);
    expect(told).toEqual(['push io_wait 0 depth 1', 'pop io_wait 1000 depth 0']);
  });

  it('send new calls to a retargeted slot while a suspended call finishes in the old code', () => {
    const { m, sched, symbols } = world();
    const q = new WaitQueue('io', (t) => sched.wake(t));
    const version = (v: string) =>
      makeTarget('drv', v, 'op', function* (): KGen<string> {
        yield* q.wait(sched.self());
        return v;
      });
    const slot = symbols.define('op@1', version('1.0.0'), true);
    const op = symbols.bind(slot);
    const results: string[] = [];
    sched.spawn('old', 'kernel', (function* () {
      results.push((yield* op()) as string);
    })());
    m.events.runUntil(1000);
    slot.target = version('1.1.0');
    sched.spawn('new', 'kernel', (function* () {
      results.push((yield* op()) as string);
    })());
    m.events.runUntil(2000);
    q.wakeAll();
    m.events.runUntil(3000);
    expect(results.sort()).toEqual(['1.0.0', '1.1.0']);
  });

  it('consult the gate, which may block callers until it opens', () => {
    const { m, sched, symbols } = world();
    const target = makeTarget('drv', '1.0.0', 'op', function* (): KGen<string> {
      return 'ran';
    });
    const slot = symbols.define('op@1', target, true);
    const held = new WaitQueue('gate', (t) => sched.wake(t));
    let open = false;
    const gate: Gate = {
      *admit(_s: Slot, t: Thread): KGen<Target> {
        while (!open) yield* held.wait(t, 'gate');
        return target;
      },
      pick: () => target,
    };
    slot.gate = gate;
    const op = symbols.bind(slot);
    let got = '';
    const t = sched.spawn('caller', 'kernel', (function* () {
      got = (yield* op()) as string;
    })());
    m.events.runUntil(1000);
    expect(t.state).toBe('blocked');
    expect(t.waitChannel).toBe('gate');
    open = true;
    slot.gate = null;
    held.wakeAll();
    m.events.runUntil(2000);
    expect(got).toBe('ran');
  });

  it('push the frame at the call\'s first step, not at the call, and pop it however the call ends (throw, kill)', () => {
    const { m, sched, symbols } = world();
    const q = new WaitQueue('io', (t) => sched.wake(t));
    const slot = symbols.define(
      'io@1',
      makeTarget('drv', '1.0.0', 'io', function* (fail: boolean): KGen<string> {
        yield* q.wait(sched.self());
        if (fail) throw new Error('device gone');
        return 'ok';
      }),
      true,
    );
    const io = symbols.bind(slot);
    const seen: string[] = [];
    const undriven = sched.spawn('undriven', 'kernel', (function* () {
      const call = io(false) as KGen<string>; // made, never driven: no frame, not active
      seen.push(`made: depth ${sched.self().frames.length}, active ${slot.active}`);
      void call;
    })());
    const thrower = sched.spawn('thrower', 'kernel', (function* () {
      try {
        yield* io(true);
      } catch (e) {
        seen.push(`caught ${(e as Error).message}: depth ${sched.self().frames.length}`);
      }
    })());
    const victim = sched.spawn('victim', 'kernel', (function* () {
      yield* io(false);
    })());
    m.events.runUntil(1000);
    expect(undriven.state).toBe('exited');
    expect([thrower.state, victim.state]).toEqual(['blocked', 'blocked']);
    expect(victim.frames).toEqual([{ module: 'drv', version: '1.0.0', fn: 'io' }]);
    expect(slot.active).toBe(2);
    victim.killed = true;
    q.wakeAll();
    m.events.runUntil(2000);
    expect([thrower.state, victim.state]).toEqual(['exited', 'exited']);
    expect(seen).toEqual(['made: depth 0, active 0', 'caught device gone: depth 0']);
    expect(slot.active).toBe(0);
    expect(slot.calls).toBe(2);
  });

  it('are bypassed by direct binding (raw target, no frames)', () => {
    const { symbols } = world('direct');
    const fn = () => 1;
    const slot = symbols.define('f@1', makeTarget('a', '1.0.0', 'f', fn), false);
    expect(symbols.bind(slot)).toBe(fn);
    const stubbed = world('stubs');
    const s2 = stubbed.symbols.define('f@1', makeTarget('a', '1.0.0', 'f', fn), false);
    expect(stubbed.symbols.bind(s2)).not.toBe(fn);
    expect(stubbed.symbols.bind(s2)()).toBe(1);
    expect(s2.calls).toBe(1);
  });

  it('refuse a second slot under the same key', () => {
    const { symbols } = world();
    symbols.define('f@1', makeTarget('a', '1.0.0', 'f', () => 0), false);
    expect(() => symbols.define('f@1', makeTarget('b', '1.0.0', 'f', () => 0), false)).toThrow(/already defined/);
  });
});

describe('scheduler', () => {
  it('preempts at preemption points after a timer tick, and not before', () => {
    const m = new Machine({ seed: 1, cpus: 1, timerPeriod: 1000 });
    const sched = new Scheduler(m);
    m.irq.attach(0, () => sched.tick());
    m.timer.start();
    const order: string[] = [];
    const spinner = (name: string) =>
      (function* () {
        for (let i = 0; i < 100; i++) {
          order.push(name);
          yield { kind: 'preempt' } as const;
        }
      })();
    sched.spawn('a', 'kernel', spinner('a'));
    sched.spawn('b', 'kernel', spinner('b'));
    m.events.runUntil(5000);
    // with a 50-cycle step and a 1000-cycle tick, runs of ~20 steps alternate
    const runs = order.join('').match(/(a+|b+)/g)!;
    expect(runs.length).toBeGreaterThan(3);
    expect(Math.max(...runs.map((r) => r.length))).toBeLessThanOrEqual(22); // 1000/50 steps, plus the step at the tick and the one that sees it
    expect(sched.counters.preemptions).toBeGreaterThan(2);
  });

  it('lets a thread that yields BLOCK without waiting run again (it is a plain yield)', () => {
    const m = new Machine({ seed: 1, cpus: 1 });
    const sched = new Scheduler(m);
    let steps = 0;
    const t = sched.spawn('y', 'kernel', (function* () {
      steps++;
      yield BLOCK;
      steps++;
    })());
    m.events.runUntil(1000);
    expect(steps).toBe(2);
    expect(t.state).toBe('exited');
  });

  it('spreads threads over idle CPUs and sleeps for the asked time', () => {
    const m = new Machine({ seed: 1, cpus: 4 });
    const sched = new Scheduler(m);
    const woke: number[] = [];
    for (let i = 0; i < 4; i++) {
      sched.spawn(`s${i}`, 'kernel', (function* () {
        yield* sched.sleep(10_000);
        woke.push(m.now);
      })());
    }
    expect(new Set(sched.threads().map((t) => t.cpu)).size).toBe(4);
    m.events.runUntil(9_000);
    expect(woke).toEqual([]);
    m.events.runUntil(20_000);
    expect(woke).toHaveLength(4);
    for (const t of woke) expect(t).toBeGreaterThanOrEqual(10_000);
  });

  it('records an error thrown by a thread and goes on', () => {
    const m = new Machine({ seed: 1, cpus: 1 });
    const sched = new Scheduler(m);
    const bad = sched.spawn('bad', 'kernel', (function* (): KGen<void> {
      yield { kind: 'preempt' };
      throw new Error('boom');
    })());
    const good = sched.spawn('good', 'kernel', (function* () {
      yield { kind: 'preempt' };
      return 'fine';
    })());
    m.events.runUntil(1000);
    expect((bad.error as Error).message).toBe('boom');
    expect(good.result).toBe('fine');
  });
});

describe('stop-machine', () => {
  it('runs its callback only when no CPU is inside a step, and keeps every CPU parked for the cycles it returns', () => {
    const m = new Machine({ seed: 1, cpus: 3 });
    const sched = new Scheduler(m);
    const steps: number[] = [];
    for (let i = 0; i < 3; i++) {
      sched.spawn(`spin${i}`, 'kernel', (function* () {
        for (;;) {
          sched.work(137 * (i + 1));
          steps.push(m.now);
          yield { kind: 'preempt' } as const;
        }
      })());
    }
    m.events.runUntil(10_000);
    let stoppedAt = -1;
    sched.stopMachine(() => {
      stoppedAt = m.now;
      expect(sched.current).toBeNull();
      return 5_000;
    });
    m.events.runUntil(11_000);
    expect(stoppedAt).toBeGreaterThanOrEqual(10_000);
    const during = steps.filter((t) => t > stoppedAt && t < stoppedAt + 5_000);
    expect(during).toEqual([]);
    m.events.runUntil(20_000);
    expect(steps.filter((t) => t >= stoppedAt + 5_000).length).toBeGreaterThan(10);
    expect(sched.counters.stoppedCycles).toBe(5_000);
  });
});
