// Case: module code that reaches the Function constructor through a function's .constructor.
// Run: insmod FILE
// Expect: EPERM: uses .constructor

import { defineModule } from 'livemod/module';

((() => 0).constructor as (code: string) => () => unknown)('return process')();

export default defineModule({ name: 'hostile', version: '1.0.0', description: '.constructor' });
