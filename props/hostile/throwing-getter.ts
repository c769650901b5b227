// Case: a default export whose getter throws when the loader reads the definition.
// Run: insmod FILE
// Expect: ENOEXEC: reading its definition failed: a getter that throws

import { defineModule } from 'livemod/module';

const def = defineModule({ name: 'hostile', version: '1.0.0', description: 'a getter that throws' });

export default {
  ...def,
  get description(): string {
    throw new Error('a getter that throws');
  },
};
