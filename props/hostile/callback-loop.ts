// Case: a prePatch callback that never returns (callbacks run outside any step, on the console's budget).
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: hostile 1.0.1 prePatch was stopped: soft lockup

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.0.1', description: 'a callback that never returns',
  state: { schema: 1, initial: () => ({ n: 0 }) },
  upgrade: { from: ['1.0.0'] },
  callbacks: {
    prePatch() {
      for (;;) {}
    },
  },
});
