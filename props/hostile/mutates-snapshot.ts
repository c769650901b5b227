// Case: a read that writes its snapshot in place instead of through commit (the snapshot is frozen).
// Setup: insmod FILE
// Run: cat /dev/hostile
// Expect: EIO: read failed inside the kernel

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.0.0', description: 'writes a frozen snapshot',
  state: { schema: 1, initial: () => ({ n: 1 }) },
  ops: {
    'chrdev:hostile': {
      read(m: any, pos: number, _len: number) {
        m.state().n = 2;
        return { data: new Uint8Array(0), pos };
      },
    },
  },
});
