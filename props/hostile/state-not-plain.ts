// Case: an initial state that is not plain data (a Map).
// Run: insmod FILE
// Expect: EINVAL: module hostile failed to load: its initial state.m is a Map instance, not a plain object

import { defineModule } from 'livemod/module';

export default defineModule<{ m: Map<string, number> }>({
  name: 'hostile', version: '1.0.0', description: 'a Map in its state',
  state: { schema: 1, initial: () => ({ m: new Map([['a', 1]]) }) },
});
