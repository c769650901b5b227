// Case: a state transfer that returns a cyclic object (a deep copy or freeze of it would never end).
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: hostile 1.0.0 -> 1.1.0: transferred state is not plain data: state.self is reached twice

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.1.0', description: 'a transfer result that contains itself',
  state: { schema: 2, initial: () => ({ n: 0 }) },
  upgrade: {
    from: ['1.0.0'],
    state: (old: { n: number }) => {
      const s: { n: number; self?: unknown } = { n: old.n };
      s.self = s;
      return s;
    },
  },
});
