// Case: an exit that throws (as in Linux, an exit cannot refuse: the module is unloaded anyway and the failure logged).
// Setup: insmod FILE
// Run: rmmod hostile
// Unloads: yes
// Expect: ok
// Log: hostile: exit failed: exit refuses (unloading anyway)

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'an exit that throws',
  state: { schema: 1, initial: () => ({ n: 1 }) },
  exit() {
    throw new Error('exit refuses');
  },
});
