// Case: module code that changes a built-in's prototype at import (Array.prototype.push): only the modules' own realm is touched, the kernel's arrays are not.
// Setup: insmod FILE
// Run: modinfo no_such_module
// Expect: ENOENT: no_such_module

import { defineModule } from 'livemod/module';

Array.prototype.push = function (): number {
  throw new Error('push is gone');
};
Object.prototype.toString = function (): string {
  throw new Error('toString is gone');
};

export default defineModule({ name: 'hostile', version: '1.0.0', description: 'poisons the built-ins of its realm' });
