// vmlinux 3.0.1 is test_klp_callbacks_demo loaded with pre_patch_ret=-19: its
// pre-patch callback for vmlinux prints, then fails with ENODEV, which
// refuses the update.

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { demoCallbacks } from '../klp.js';

// Built apart from the call so that a field the module API does not know yet is not an error here.
const def = {
  ...v1,
  version: '3.0.1',
  description: 'test_klp_callbacks_demo pre_patch_ret=-19: its pre-patch callback fails',
  callbacks: demoCallbacks('test_klp_callbacks_demo', 'vmlinux', -19),
  upgrade: { from: ['1.0.0'] },
  downgrade: { to: ['1.0.0'] },
};
export default defineModule(def);
