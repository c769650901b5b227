// Case: a generator that declares work (`m.k.work(1)`) forever and never yields.
// Setup: insmod FILE
// Run: write /dev/hostile x
// Expect: EIO: write failed inside the kernel: soft lockup

import { defineModule, type KGen } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'a write that only declares work',
  ops: {
    'chrdev:hostile': {
      *write(m: any, _data: Uint8Array): KGen<number> {
        for (;;) m.k.work(1);
      },
    },
  },
});
