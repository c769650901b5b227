// test_klp_callbacks_mod 1.1.0 is test_klp_callbacks_demo's object for this
// module: no function changed, only the four callbacks, which print what
// they are. Applied when the module is loaded already, or deferred until it
// is (Linux's module_coming notifier).

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { demoCallbacks } from '../klp.js';

// Built apart from the call so that a field the module API does not know yet is not an error here.
const def = {
  ...v1,
  version: '1.1.0',
  description: 'test_klp_callbacks_demo: callbacks for test_klp_callbacks_mod',
  callbacks: demoCallbacks('test_klp_callbacks_demo', 'test_klp_callbacks_mod'),
  upgrade: { from: ['1.0.0'] },
  downgrade: { to: ['1.0.0'] },
};
export default defineModule(def);
