// test_klp_callbacks_busy 1.0.0 (test_modules/test_klp_callbacks_busy.c): a
// target module whose work function, busymod_work_func, can keep a thread
// inside the module, which holds up a transition. Linux runs it on a worker
// that init schedules; module init cannot start threads here, so:
// - block_transition=N (false): init runs the work function itself, which
//   returns at once (the same lines in the same order as Linux, whose init
//   flushes the work before returning);
// - block_transition=Y (true): a thread runs it by writing to
//   /dev/test_klp_callbacks_busy, and sleeps in it until a write of `0`
//   clears block_transition (what Linux's exit does before flushing the work).

import { defineModule, type Ctx, type KGen } from 'livemod/module';

interface State { readonly blocking: boolean }
export type M = Ctx<State>;

/** busymod_work_func: enter, stay while block_transition is set, exit. */
export function* busymodWorkFunc(m: M): KGen<void> {
  m.k.printk('busymod_work_func enter');
  while (m.state().blocking) yield* m.k.wait('work', 'busymod_work_func');
  m.k.printk('busymod_work_func exit');
}

/** The device: a write of `0` clears block_transition and wakes the worker; any other write runs the work function in the writer. */
export const device = (work: (m: M) => KGen<void>) => ({
  *write(m: M, data: Uint8Array): KGen<number> {
    if (new TextDecoder().decode(data).trim() === '0') {
      m.commit((s) => { s.blocking = false; });
      m.k.wakeAll('work');
    } else {
      yield* work(m);
    }
    return data.length;
  },
});

export default defineModule<State>({
  name: 'test_klp_callbacks_busy',
  version: '1.0.0',
  description: 'livepatch test: busy target module',
  params: { block_transition: { type: 'bool', default: false, description: 'keep the work function (and the thread in it) busy until a write of 0' } },
  state: { schema: 1, initial: (params) => ({ blocking: params.block_transition === true }) },
  ops: { 'chrdev:test_klp_callbacks_busy': device(busymodWorkFunc) },
  init(m) {
    m.k.printk('test_klp_callbacks_busy_init');
    if (!m.state().blocking) {
      m.k.printk('busymod_work_func enter');
      m.k.printk('busymod_work_func exit');
    }
  },
  exit(m) { m.k.printk('test_klp_callbacks_busy_exit'); },
});
