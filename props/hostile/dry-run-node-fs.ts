// Case: host authority at import in a file given to `update --dry-run` (a dry run must not run it either).
// Setup: insmod BASE
// Run: update FILE --dry-run
// Expect: EPERM: uses an import of 'node:fs'

import { writeFileSync } from 'node:fs';
import { defineModule } from 'livemod/module';

writeFileSync('/tmp/livemod-hostile-was-here', 'escaped on a dry run');

export default defineModule({ name: 'hostile', version: '1.1.0', description: 'writes a host file when planned' });
