// Case: an ops table with an operation the kernel never calls (a misspelled `reed`).
// Run: insmod FILE
// Expect: EINVAL: ops table chrdev:hostile has no operation 'reed'

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'a misspelled operation',
  ops: { 'chrdev:hostile': { reed: () => ({ data: new Uint8Array(0), pos: 0 }) } as never },
});
