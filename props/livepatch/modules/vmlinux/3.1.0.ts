// vmlinux 3.1.0 is test_klp_callbacks_demo2 (test_modules/
// test_klp_callbacks_demo2.c), a second patch with callbacks for vmlinux,
// stacked on test_klp_callbacks_demo (3.0.0), or replacing it with
// `update --replace` (its module parameter replace=1), after which its revert
// goes back to 1.0.0.

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { demoCallbacks } from '../klp.js';

// Built apart from the call so that a field the module API does not know yet is not an error here.
const def = {
  ...v1,
  version: '3.1.0',
  description: 'test_klp_callbacks_demo2: callbacks for vmlinux',
  callbacks: demoCallbacks('test_klp_callbacks_demo2', 'vmlinux'),
  upgrade: { from: ['3.0.0'] },
  downgrade: { to: ['3.0.0', '1.0.0'] },
};
export default defineModule(def);
