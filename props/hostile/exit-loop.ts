// Case: a loop that never yields in exit, which catches the watchdog's error and loops again.
// Setup: insmod FILE
// Run: rmmod hostile
// Expect: EIO: exit of hostile was stopped: soft lockup

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'exit never returns',
  exit() {
    while (true) {
      try {
        for (;;) {}
      } catch {
        // swallowed: the next check throws again
      }
    }
  },
});
