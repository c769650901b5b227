// Case: a definition that requires a symbol nobody exports.
// Run: insmod FILE
// Expect: ENOENT: no_such_symbol

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'requires a symbol that does not exist',
  requires: { no_such_symbol: 1 },
});
