// Case: an init that throws a value that is not an Error (a string).
// Run: insmod FILE
// Expect: EINVAL: init of hostile failed: not an error object

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'throws a string',
  init() {
    throw 'not an error object';
  },
});
