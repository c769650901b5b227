// fast-check arbitraries shared by the property tests: filesystem operations
// on a small set of paths (so that operations collide often) and their
// per-thread sequences.

import { fc } from '@fast-check/vitest';
import type { FsOp } from './fsmodel.js';

const path = fc.constantFrom('a', 'b', 'c', 'a/x', 'a/y', 'b/x', 'c/a/x');

export const fsOp: fc.Arbitrary<FsOp> = fc.oneof(
  { weight: 2, arbitrary: path.map((p) => ({ op: 'create' as const, path: p })) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('overwrite' as const), path, len: fc.integer({ min: 0, max: 1500 }), key: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('write' as const), path, off: fc.integer({ min: 0, max: 1300 }), len: fc.integer({ min: 1, max: 900 }), key: fc.nat() }) },
  { weight: 3, arbitrary: path.map((p) => ({ op: 'read' as const, path: p })) },
  { weight: 1, arbitrary: path.map((p) => ({ op: 'stat' as const, path: p })) },
  { weight: 1, arbitrary: path.map((p) => ({ op: 'unlink' as const, path: p })) },
  { weight: 2, arbitrary: path.map((p) => ({ op: 'mkdir' as const, path: p })) },
  { weight: 1, arbitrary: path.map((p) => ({ op: 'rmdir' as const, path: p })) },
  { weight: 1, arbitrary: fc.constantFrom('a', 'b', 'c').map((p) => ({ op: 'readdir' as const, path: p })) },
);


/** One sequence of operations per thread, each thread in its own directory. */
export const threadOps = (maxThreads = 4, maxOps = 25) => fc.array(fc.array(fsOp, { minLength: 1, maxLength: maxOps }), { minLength: 1, maxLength: maxThreads });

/** Run after everything else: looks at every path, so any damage an update did to the tree shows. */
export const AUDIT: readonly FsOp[] = [
  ...['a', 'b', 'c', 'a/x', 'a/y', 'b/x', 'c/a/x'].flatMap((p) => [{ op: 'stat' as const, path: p }, { op: 'read' as const, path: p }]),
  ...['a', 'b', 'c', 'c/a'].map((p) => ({ op: 'readdir' as const, path: p })),
];
