// The benign module the hostile corpus updates from (props/hostile/*.ts):
// hostile 1.0.0, a counter in its state and nothing else. Not a
// case itself; a case's `Setup: insmod BASE` loads it.

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile',
  version: '1.0.0',
  description: 'the benign version the hostile updates start from',
  state: { schema: 1, initial: () => ({ n: 1 }) },
});
