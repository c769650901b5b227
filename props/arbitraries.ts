// fast-check arbitraries shared by the property tests: filesystem operations
// on a small set of paths (so that operations collide often) and their
// per-thread sequences.

import { fc } from '@fast-check/vitest';
import type { FsOp } from './fsmodel.js';

const path = fc.constantFrom('a', 'b', 'c', 'a/x', 'a/y', 'b/x', 'c/a/x');

/** Write offsets for the file-heavy sequences: block boundaries often (writes that start on one take other paths), anything else too. */
const offset = fc.oneof(fc.constantFrom(0, 512, 1024), fc.integer({ min: 0, max: 1300 }));

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

/**
 * Operations on two files only: most writes land on a file that exists, so
 * the partial-block and growing paths of a filesystem's write are taken
 * often (with `fsOp`, few writes find their file).
 */
const filePath = fc.constantFrom('f', 'g');
export const fileOp: fc.Arbitrary<FsOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('overwrite' as const), path: filePath, len: fc.integer({ min: 0, max: 1500 }), key: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('write' as const), path: filePath, off: offset, len: fc.integer({ min: 1, max: 900 }), key: fc.nat() }) },
  { weight: 3, arbitrary: filePath.map((p) => ({ op: 'read' as const, path: p })) },
  { weight: 1, arbitrary: filePath.map((p) => ({ op: 'stat' as const, path: p })) },
  { weight: 1, arbitrary: filePath.map((p) => ({ op: 'unlink' as const, path: p })) },
);

export const fileThreadOps = (maxThreads = 4, maxOps = 25) => fc.array(fc.array(fileOp, { minLength: 1, maxLength: maxOps }), { minLength: 1, maxLength: maxThreads });

/** Run after everything else: looks at every path, so any damage an update did to the tree shows. */
export const AUDIT: readonly FsOp[] = [
  ...['a', 'b', 'c', 'a/x', 'a/y', 'b/x', 'c/a/x', 'f', 'g'].flatMap((p) => [{ op: 'stat' as const, path: p }, { op: 'read' as const, path: p }]),
  ...['a', 'b', 'c', 'c/a'].map((p) => ({ op: 'readdir' as const, path: p })),
];
