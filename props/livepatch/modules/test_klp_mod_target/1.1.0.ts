// test_klp_mod_target 1.1.0 is test_klp_mod_patch
// (test_modules/test_klp_mod_patch.c): test_klp_mod_target_show replaced so
// that the device reads "test_klp_mod_patch: this has been live patched".
// Code only.

import { defineModule } from 'livemod/module';
import v1, { line } from './1.0.0.js';

const show = (_m: unknown, pos: number, len: number) => line('test_klp_mod_patch: this has been live patched', pos, len);

export default defineModule({
  ...v1,
  version: '1.1.0',
  description: 'test_klp_mod_patch: test_klp_mod_target_show patched',
  ops: { 'chrdev:test_klp_mod_target': { read: show } },
  upgrade: { from: ['1.0.0'] },
  downgrade: { to: ['1.0.0'] },
});
