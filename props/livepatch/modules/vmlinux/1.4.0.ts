// vmlinux 1.4.0 is test_klp_callbacks_demo on top of test_klp_syscall (1.3.0),
// as test-livepatch.sh's "atomic replace livepatch" loads it: no function
// changed, only the demo's callbacks for the vmlinux object.

import { defineModule } from 'livemod/module';
import v13 from './1.3.0.js';
import { demoCallbacks } from '../klp.js';

// Built apart from the call so that a field the module API does not know yet is not an error here.
const def = {
  ...v13,
  version: '1.4.0',
  description: 'test_klp_callbacks_demo on test_klp_syscall: callbacks only',
  callbacks: demoCallbacks('test_klp_callbacks_demo', 'vmlinux'),
  upgrade: { from: ['1.3.0'] },
  downgrade: { to: ['1.3.0'] },
};
export default defineModule(def);
