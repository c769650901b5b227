// test_klp_callbacks_mod 1.0.0 (test_modules/test_klp_callbacks_mod.c): an
// idle target module; its init and exit say so in the log.

import { defineModule } from 'livemod/module';

export default defineModule({
  name: 'test_klp_callbacks_mod',
  version: '1.0.0',
  description: 'livepatch test: target module',
  state: { schema: 1, initial: () => ({}) },
  init(m) { m.k.printk('test_klp_callbacks_mod_init'); },
  exit(m) { m.k.printk('test_klp_callbacks_mod_exit'); },
});
