// Case: an init that throws an object whose toString and message getter throw (reading the error must not fail).
// Run: insmod FILE
// Expect: EINVAL: init of hostile failed: a thrown Object that cannot be printed

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'throws a value that cannot be printed',
  init() {
    throw {
      get message(): string {
        throw new Error('message getter');
      },
      toString(): string {
        throw new Error('toString');
      },
    };
  },
});
