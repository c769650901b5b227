// Case: a loop that never yields in a chrdev read (a plain function called in a syscall).
// Setup: insmod FILE
// Run: cat /dev/hostile
// Expect: EIO: read failed inside the kernel: soft lockup

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'a read that never returns',
  ops: {
    'chrdev:hostile': {
      read(_m: unknown, _pos: number, _len: number): never {
        for (;;) {}
      },
    },
  },
});
