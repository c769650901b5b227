// vmlinux 4.0.0 is test_klp_state (test_modules/test_klp_state.c): its
// callbacks change a system state, console_loglevel, declared as the state
// `console_loglevel` at version 1 (klp_state). Version 1 cannot take the
// state over from a newer version: an update to it from test_klp_state2
// (4.1.0, state version 2) is refused. Loaded with `update --replace`, as
// the Linux patch sets .replace.

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { loglevelCallbacks } from '../klp.js';

// Built apart from the call so that fields the module API does not know yet are not an error here.
const def = {
  ...v1,
  version: '4.0.0',
  description: 'test_klp_state: changes console_loglevel (state version 1)',
  callbacks: loglevelCallbacks('test_klp_state'),
  states: [{ id: 'console_loglevel', version: 1 }],
  upgrade: { from: ['1.0.0', '4.1.0'] },
  downgrade: { to: ['1.0.0'] },
};
export default defineModule(def);
