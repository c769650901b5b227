// Case: a chrdev read that throws a null-prototype object (no toString: printing it naively throws again).
// Setup: insmod FILE
// Run: cat /dev/hostile
// Expect: EIO: read failed inside the kernel: a thrown Object that cannot be printed

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'a read that throws what cannot be printed',
  ops: {
    'chrdev:hostile': {
      read(_m: unknown, _pos: number, _len: number): never {
        throw Object.create(null);
      },
    },
  },
});
