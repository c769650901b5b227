// Case: an async init (its rejected promise would fail after insmod returned, outside the kernel).
// Run: insmod FILE
// Expect: EPERM: uses an async function

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'an init that rejects later',
  init: (async () => {
    throw new Error('rejected after insmod returned');
  }) as unknown as () => void,
});
