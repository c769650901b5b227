// vmlinux 4.1.0 is test_klp_state2 (test_modules/test_klp_state2.c): the
// state `console_loglevel` at version 2, which takes over the change when
// the version it replaces made it already. Loaded with `update --replace`.

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { loglevelCallbacks } from '../klp.js';

// Built apart from the call so that fields the module API does not know yet are not an error here.
const def = {
  ...v1,
  version: '4.1.0',
  description: 'test_klp_state2: takes over the console_loglevel change (state version 2)',
  callbacks: loglevelCallbacks('test_klp_state2', true),
  states: [{ id: 'console_loglevel', version: 2 }],
  upgrade: { from: ['1.0.0', '4.0.0', '4.2.0'] },
  downgrade: { to: ['1.0.0'] },
};
export default defineModule(def);
