// Case: module code that imports a package (a host module by its bare name).
// Run: insmod FILE
// Expect: EPERM: uses an import of 'child_process'

import { execSync } from 'child_process';
import { defineModule } from 'livemod/module';

execSync('true');

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'imports a package' });
