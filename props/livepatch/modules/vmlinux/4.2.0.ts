// vmlinux 4.2.0 is test_klp_state3 (built from test_klp_state2.c): the
// same as test_klp_state2 (4.1.0) under another name, so that two patches
// at state version 2 can replace each other. Loaded with `update --replace`.

import { defineModule } from 'livemod/module';
import v1 from './1.0.0.js';
import { loglevelCallbacks } from '../klp.js';

// Built apart from the call so that fields the module API does not know yet are not an error here.
const def = {
  ...v1,
  version: '4.2.0',
  description: 'test_klp_state3: takes over the console_loglevel change (state version 2)',
  callbacks: loglevelCallbacks('test_klp_state3', true),
  states: [{ id: 'console_loglevel', version: 2 }],
  upgrade: { from: ['1.0.0', '4.1.0'] },
  downgrade: { to: ['1.0.0'] },
};
export default defineModule(def);
