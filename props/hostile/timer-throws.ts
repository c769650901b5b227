// Case: a module that throws from a setTimeout callback, after its init returned.
// Run: insmod FILE
// Expect: EPERM: uses setTimeout (timers)

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'throws later, from a timer',
  init() {
    setTimeout(() => {
      throw new Error('thrown from a timer');
    }, 0);
  },
});
