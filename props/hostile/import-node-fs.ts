// Case: module code that writes a host file at import, through a node:* import.
// Run: insmod FILE
// Expect: EPERM: uses an import of 'node:fs'

import { writeFileSync } from 'node:fs';
import { defineModule } from 'livemod/module';

writeFileSync('/tmp/livemod-hostile-was-here', 'escaped');

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'writes a host file' });
