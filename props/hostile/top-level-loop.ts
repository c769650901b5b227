// Case: a loop that never yields at the module file's top level.
// Run: insmod FILE
// Expect: EIO: FILE was stopped while it loaded: soft lockup

import { defineModule } from 'livemod/module';

for (;;) {}

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'never finishes loading' });
