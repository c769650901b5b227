// Case: module code that starts a host timer at import (its work would run outside any step).
// Run: insmod FILE
// Expect: EPERM: uses setInterval (timers)

import { defineModule } from 'livemod/module';

setInterval(() => {}, 1);

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'a host timer' });
