// Wait-queue keys, for the kernels' per-module and per-object wait queues
// (kernel/kernel.ts, oo/kernel.ts), which keep them in a Map by key.

/**
 * Make `key` a flat string in place (what it reads does not change). A key
 * built by concatenation, as blkdev's per-request `disk0:req17` is, is a V8
 * cons string of its parts: hashing it for a Map copies it into a
 * temporary buffer, and comparing it with a key of the same length (a Map
 * compares the keys in a hash bucket one by one, without their hashes) goes
 * through the runtime, at each lookup. Reading a character flattens it once.
 */
export function flatten(key: string): void {
  if (key.charCodeAt(0) < 0) throw new Error('unreachable'); // the read is the point; a code unit is never negative
}
