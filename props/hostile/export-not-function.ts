// Case: an export whose fn is not a function (a Proxy of an object).
// Run: insmod FILE
// Expect: EINVAL: export hostile_peek needs { version, fn }

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'an export that is not a function',
  exports: { hostile_peek: { version: 1, fn: new Proxy({}, {}) as unknown as () => number } },
});
