// Case: module code that changes the host's global object at import.
// Run: insmod FILE
// Expect: EPERM: uses globalThis (host access)

import { defineModule } from 'livemod/module';

(globalThis as Record<string, unknown>).livemodEscaped = true;

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'writes a host global' });
