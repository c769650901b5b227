// vmlinux 1.2.0 is test_klp_atomic_replace loaded with replace=0 on top of
// test_klp_livepatch (1.1.0): meminfo_proc_show replaced as well, so both
// patches are in effect. A version is the whole module, so it carries
// 1.1.0's cmdline too: this is how livemod stacks a second patch.

import { defineModule } from 'livemod/module';
import v1, { line } from './1.0.0.js';
import { patchedCmdline } from './1.1.0.js';

export const patchedMeminfo = (_m: unknown, pos: number, len: number) => line('test_klp_atomic_replace: this has been live patched', pos, len);

export default defineModule({
  ...v1,
  version: '1.2.0',
  description: 'test_klp_atomic_replace replace=0 on test_klp_livepatch: cmdline and meminfo patched',
  ops: { 'chrdev:cmdline': { read: patchedCmdline }, 'chrdev:meminfo': { read: patchedMeminfo } },
  upgrade: { from: ['1.1.0'] },
  downgrade: { to: ['1.1.0'] },
});
