// vmlinux 3.0.0 is test_klp_callbacks_demo's vmlinux object
// (test_modules/test_klp_callbacks_demo.c): no function changed; its four
// callbacks print what they are.

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { demoCallbacks } from '../klp.js';

// Built apart from the call so that a field the module API does not know yet is not an error here.
const def = {
  ...v1,
  version: '3.0.0',
  description: 'test_klp_callbacks_demo: callbacks for vmlinux',
  callbacks: demoCallbacks('test_klp_callbacks_demo', 'vmlinux'),
  upgrade: { from: ['1.0.0'] },
  downgrade: { to: ['1.0.0'] },
};
export default defineModule(def);
