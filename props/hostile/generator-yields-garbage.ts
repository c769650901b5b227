// Case: a blocking operation (a generator) that yields values the scheduler never asked for (each is taken as a plain yield: the write completes).
// Setup: insmod FILE
// Run: write /dev/hostile x
// Expect: ok

import { defineModule, type KGen } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'yields garbage',
  ops: {
    'chrdev:hostile': {
      *write(_m: unknown, data: Uint8Array): KGen<number> {
        yield 42 as never;
        yield { kind: 'nonsense' } as never;
        return data.length;
      },
    },
  },
});
