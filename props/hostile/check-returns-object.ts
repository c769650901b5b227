// Case: an upgrade.check that returns an object instead of a message or nothing.
// Setup: insmod BASE
// Run: update FILE
// Expect: ECANCELED: hostile 1.0.0 -> 1.1.0: check failed: it returned a

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.1.0', description: 'a check that returns an object',
  state: { schema: 2, initial: () => ({ n: 0 }) },
  upgrade: {
    from: ['1.0.0'],
    state: (old: { n: number }) => ({ n: old.n + 1 }),
    check: (() => ({ ok: false })) as unknown as () => string,
  },
});
