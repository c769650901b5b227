// Case: a state transfer whose result has a symbol key (not plain data: a copy would lose it).
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: symbol

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.1.0', description: 'a transfer result with a symbol key',
  state: { schema: 2, initial: () => ({ n: 0 }) },
  upgrade: {
    from: ['1.0.0'],
    state: (old: { n: number }) => ({ n: old.n, [Symbol('hidden')]: 1 }),
  },
});
