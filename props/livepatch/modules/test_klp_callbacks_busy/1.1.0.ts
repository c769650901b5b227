// test_klp_callbacks_busy 1.1.0 is test_klp_callbacks_demo's object for this
// module: busymod_work_func replaced by patched_work_func, which only says
// its name, and the four callbacks.

import { defineModule, type KGen } from 'livemod/module';
import v1, { device, type M } from './1.0.0.js';
import { demoCallbacks } from '../klp.js';

/** patched_work_func: what a thread that reaches the new code runs instead of busymod_work_func. */
function* patchedWorkFunc(m: M): KGen<void> {
  m.k.printk('patched_work_func');
}

// Built apart from the call so that a field the module API does not know yet is not an error here.
const def = {
  ...v1,
  version: '1.1.0',
  description: 'test_klp_callbacks_demo: callbacks for test_klp_callbacks_busy',
  ops: { 'chrdev:test_klp_callbacks_busy': device(patchedWorkFunc) },
  callbacks: demoCallbacks('test_klp_callbacks_demo', 'test_klp_callbacks_busy'),
  upgrade: { from: ['1.0.0'] },
  downgrade: { to: ['1.0.0'] },
};
export default defineModule(def);
