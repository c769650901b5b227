// Case: a state initializer that throws a null-prototype object (no toString: printing it naively throws again).
// Run: insmod FILE
// Expect: EINVAL: module hostile failed to load: a thrown Object that cannot be printed

import { defineModule } from 'livemod/module';

export default defineModule<{ n: number }>({
  name: 'hostile', version: '1.0.0', description: 'throws what cannot be printed',
  state: {
    schema: 1,
    initial: () => {
      throw Object.create(null);
    },
  },
});
