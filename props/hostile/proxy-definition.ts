// Case: a default export that is a Proxy whose traps throw on every read.
// Run: insmod FILE
// Expect: ENOEXEC: reading its definition failed: trapped

import { defineModule } from 'livemod/module';

const def = defineModule({ name: 'hostile', version: '1.0.0', description: 'a proxy' });

export default new Proxy(def, {
  get() {
    throw new Error('trapped');
  },
  ownKeys() {
    throw new Error('trapped');
  },
});
