// vmlinux 2.0.0 is test_klp_atomic_replace loaded with replace=1: only
// meminfo_proc_show patched, and (with `update --replace`) it takes over the
// whole update stack of vmlinux, so the patches below it are no longer in
// effect and its revert goes back to 1.0.0.

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { patchedMeminfo } from './1.2.0.js';

export default defineModule({
  ...v1,
  version: '2.0.0',
  description: 'test_klp_atomic_replace replace=1: meminfo patched, replacing every patch below',
  ops: { ...v1.ops, 'chrdev:meminfo': { read: patchedMeminfo } },
  upgrade: { from: ['1.0.0', '1.1.0', '1.4.0'] },
  downgrade: { to: ['1.0.0'] },
});
