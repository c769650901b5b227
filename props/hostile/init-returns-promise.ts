// Case: an init that hides being async: a plain function returning a rejected thenable (its rejection must not reach the host).
// Run: insmod FILE
// Expect: EINVAL: init of hostile failed: init of hostile returned a value

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'an init that returns a thenable',
  init: (() => ({
    then(_ok: unknown, fail: (e: unknown) => void) {
      fail(new Error('rejected later'));
    },
  })) as unknown as () => void,
});
