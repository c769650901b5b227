// Case: a constructor reached by a key built at run time, past the static check (the runtime half must stop it).
// Run: insmod FILE
// Expect: EPERM: tried to compile code from a string

import { defineModule } from 'livemod/module';

const key = ['constr', 'uctor'].join('');
(Reflect.get(function* () {}, key) as (code: string) => unknown)('yield 1');

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'a computed constructor' });
