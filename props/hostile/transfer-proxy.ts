// Case: a state transfer that returns a Proxy whose traps throw (reading it must fail, not escape).
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: hostile 1.0.0 -> 1.1.0: transferred state is not plain data: trapped

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.1.0', description: 'a transfer result that is a hostile proxy',
  state: { schema: 2, initial: () => ({ n: 0 }) },
  upgrade: {
    from: ['1.0.0'],
    state: (old: { n: number }) =>
      new Proxy({ n: old.n }, {
        getPrototypeOf() {
          throw new Error('trapped');
        },
        ownKeys() {
          throw new Error('trapped');
        },
        get() {
          throw new Error('trapped');
        },
      }),
  },
});
