// Case: module code that reaches the network at import.
// Run: insmod FILE
// Expect: EPERM: uses fetch (network)

import { defineModule } from 'livemod/module';

void fetch('http://127.0.0.1:9/');

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'opens a socket' });
