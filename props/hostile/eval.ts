// Case: module code that compiles code from a string with eval.
// Run: insmod FILE
// Expect: EPERM: uses eval (code from strings)

import { defineModule } from 'livemod/module';

eval('1 + 1');

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'eval' });
