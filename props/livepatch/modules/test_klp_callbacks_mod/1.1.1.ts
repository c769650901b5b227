// test_klp_callbacks_mod 1.1.1 is test_klp_callbacks_demo's object for this
// module after `echo -19 > .../pre_patch_ret`: its pre-patch callback
// prints, then fails with ENODEV, so the module is refused when it comes.

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { demoCallbacks } from '../klp.js';

// Built apart from the call so that a field the module API does not know yet is not an error here.
const def = {
  ...v1,
  version: '1.1.1',
  description: 'test_klp_callbacks_demo pre_patch_ret=-19: its pre-patch callback fails',
  callbacks: demoCallbacks('test_klp_callbacks_demo', 'test_klp_callbacks_mod', -19),
  upgrade: { from: ['1.0.0'] },
  downgrade: { to: ['1.0.0'] },
};
export default defineModule(def);
