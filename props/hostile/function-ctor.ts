// Case: module code that compiles code from a string with the Function constructor.
// Run: insmod FILE
// Expect: EPERM: uses Function (code from strings)

import { defineModule } from 'livemod/module';

new Function('return process')();

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'Function' });
