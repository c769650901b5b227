// Case: an upgrade.init that never returns.
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: hostile 1.1.0: upgrade.init failed: soft lockup

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.1.0', description: 'an upgrade.init that never returns',
  state: { schema: 2, initial: () => ({ n: 0 }) },
  upgrade: {
    from: ['1.0.0'],
    state: (old: { n: number }) => ({ n: old.n }),
    init() {
      for (;;) {}
    },
  },
});
