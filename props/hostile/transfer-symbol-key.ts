// Case: a state transfer whose result has a symbol key (not plain data: a copy would lose it).
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: hostile 1.0.0 -> 1.1.0: transferred state is not plain data: state has a property keyed by Symbol(hidden)

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.1.0', description: 'a transfer result with a symbol key',
  state: { schema: 2, initial: () => ({ n: 0 }) },
  upgrade: {
    from: ['1.0.0'],
    state: (old: { n: number }) => ({ n: old.n, [Symbol('hidden')]: 1 }),
  },
});
