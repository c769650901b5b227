// Case: `tick 1e15` with the machine busy (the verifying workload runs): it runs until Ctrl-C, which stops it between two events.
// Setup: insmod FILE
// Run: tick 1e15
// Interrupt: yes
// Expect: ECANCELED: tick interrupted (Ctrl-C)

import { defineModule } from 'livemod/module';

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'loaded while the console ticks' });
