// Case: unbounded recursion (a stack overflow) in init.
// Run: insmod FILE
// Expect: EINVAL: init of hostile failed: Maximum call stack size exceeded

import { defineModule } from 'livemod/module';

function deeper(n: number): number {
  return deeper(n + 1) + 1;
}

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'an init that recurses forever',
  init() {
    deeper(0);
  },
});
