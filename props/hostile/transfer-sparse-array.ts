// Case: a state transfer whose result holds a sparse array (holes are not plain data).
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: hostile 1.0.0 -> 1.1.0: transferred state is not plain data: state.xs is a sparse array

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number; xs: number[] }>({
  name: 'hostile', version: '1.1.0', description: 'a transfer result with a sparse array',
  state: { schema: 2, initial: () => ({ n: 0, xs: [] }) },
  upgrade: {
    from: ['1.0.0'],
    state: (old: { n: number }) => {
      const xs: number[] = [];
      xs[1000] = old.n;
      return { n: old.n, xs };
    },
  },
});
