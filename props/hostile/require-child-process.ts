// Case: module code that runs a host program at import through require('node:child_process'), declaring require itself so that the static check takes it for its own.
// Run: insmod FILE
// Expect: EPERM: requires 'node:child_process', which is not the module API

import { defineModule } from 'livemod/module';

declare const require: (name: string) => { execSync(cmd: string): unknown };
require('node:child_process').execSync('touch /tmp/livemod-hostile-was-here');

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'runs a program' });
