// Case: a module that calls process.exit(0) in init (the console would vanish).
// Run: insmod FILE
// Expect: EPERM: uses process (host access)

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'exits the host',
  init() {
    process.exit(0);
  },
});
