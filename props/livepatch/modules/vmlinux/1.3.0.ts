// vmlinux 1.3.0 is test_klp_syscall on top of test_klp_livepatch (1.1.0),
// as test-livepatch.sh's "atomic replace livepatch" loads it: getpid
// patched (Linux's patched getpid also counts the processes that reached
// it; here it gives the same answer by new code). Code only.

import { defineModule, type Ctx } from 'livemod/module';
import v1 from './1.0.0.js';
import { patchedCmdline } from './1.1.0.js';

const patchedGetpid = (m: Ctx<Record<string, never>>): number => {
  const pid = m.k.tid(); // where Linux's version also counts the caller
  return pid;
};

export default defineModule({
  ...v1,
  version: '1.3.0',
  description: 'test_klp_syscall on test_klp_livepatch: cmdline and getpid patched',
  exports: { getpid: { version: 1, fn: patchedGetpid } },
  ops: { ...v1.ops, 'chrdev:cmdline': { read: patchedCmdline } },
  upgrade: { from: ['1.1.0'] },
  downgrade: { to: ['1.1.0'] },
});
