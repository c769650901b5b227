// Case: a loop that never yields in upgrade.state, inside the update's atomic section (stop-machine).
// Setup: insmod BASE
// Run: update FILE --strategy stop-machine
// Expect: ECANCELED: hostile 1.0.0 -> 1.1.0: state transfer threw: soft lockup

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.1.0', description: 'a state transfer that never returns',
  state: { schema: 2, initial: () => ({ n: 0 }) },
  upgrade: {
    from: ['1.0.0'],
    state: (_old: { n: number }) => {
      for (;;) {}
    },
  },
});
