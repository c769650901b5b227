// Case: a state transfer whose result is a null-prototype object.
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: hostile 1.0.0 -> 1.1.0: transferred state is not plain data: state has a null prototype

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.1.0', description: 'a transfer result without a prototype',
  state: { schema: 2, initial: () => ({ n: 0 }) },
  upgrade: {
    from: ['1.0.0'],
    state: (old: { n: number }) => Object.assign(Object.create(null) as { n: number }, { n: old.n }),
  },
});
