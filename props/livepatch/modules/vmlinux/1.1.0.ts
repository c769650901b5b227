// vmlinux 1.1.0 is test_klp_livepatch (test_modules/test_klp_livepatch.c):
// cmdline_proc_show replaced so that /dev/cmdline reads
// "test_klp_livepatch: this has been live patched". Code only.

import { defineModule } from 'livemod/module';
import v1, { line } from './1.0.0.js';

export const patchedCmdline = (_m: unknown, pos: number, len: number) => line('test_klp_livepatch: this has been live patched', pos, len);

export default defineModule({
  ...v1,
  version: '1.1.0',
  description: 'test_klp_livepatch: cmdline_proc_show patched',
  ops: { ...v1.ops, 'chrdev:cmdline': { read: patchedCmdline } },
  upgrade: { from: ['1.0.0'] },
  downgrade: { to: ['1.0.0'] },
});
