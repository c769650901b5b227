// Case: module code that reads the host's environment through process at import.
// Run: insmod FILE
// Expect: EPERM: uses process (host access)

import { defineModule } from 'livemod/module';

const home = process.env.HOME ?? '';

export default defineModule({ name: 'hostile', version: '1.0.0', description: `reads ${home.length} host bytes` });
