// The plain-data rule of module state is the executive's (exec/plaindata.ts),
// since the object twin's shadow variables keep it too; the kernel's code
// reaches it here, with the registry of realms whose plain objects count.

export { addObjectRealm, checkPlainData, isPlainPrototype } from '../exec/plaindata.js';
