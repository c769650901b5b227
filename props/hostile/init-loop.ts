// Case: a loop that never yields in init (`for (;;) {}`).
// Run: insmod FILE
// Expect: EIO: init of hostile was stopped: soft lockup

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'init never returns',
  init() {
    for (;;) {}
  },
});
