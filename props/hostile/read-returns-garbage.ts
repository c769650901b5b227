// Case: a chrdev read that returns something other than { data, pos }.
// Setup: insmod FILE
// Run: cat /dev/hostile
// Expect: EIO: read failed inside the kernel

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'a read that returns garbage',
  ops: {
    'chrdev:hostile': {
      read: (() => 'garbage') as unknown as (m: unknown, pos: number, len: number) => { data: Uint8Array; pos: number },
    },
  },
});
