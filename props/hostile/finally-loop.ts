// Case: an init that loops in a finally block after the watchdog stopped its first loop.
// Run: insmod FILE
// Expect: EIO: init of hostile was stopped: soft lockup

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'loops again in finally',
  init() {
    try {
      for (;;) {}
    } finally {
      for (;;) {}
    }
  },
});
