// Case: a state whose initial snapshot is a huge allocation (a string past the engine's limit).
// Run: insmod FILE
// Expect: EINVAL: Invalid string length

import { defineModule } from 'livemod/module';

export default defineModule<{ s: string }>({
  name: 'hostile', version: '1.0.0', description: 'a huge initial state',
  state: { schema: 1, initial: () => ({ s: 'x'.repeat(2 ** 30) }) },
});
