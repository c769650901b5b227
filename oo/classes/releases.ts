// The twin's version history, named as the procedural modules' releases so
// that one sequence of updates (`blkdev@1.1.0`, `simplefs@1.2.0`, ...) runs
// on both kernels: each release says which version of each of its classes it
// consists of. An update to a release updates the classes whose version
// changes; the others keep running as they are.

import type { ObjClass } from '../objclass.js';
import { BLOCKDEVICE } from './blockdevice.js';
import { FILESYSTEM, INODE_DIRECTORY } from './filesystem.js';
import { INODE } from './inode.js';

/** Every class's history, oldest first (a factory's N-1 rule follows this order). */
export const CLASS_HISTORIES: readonly (readonly ObjClass[])[] = [BLOCKDEVICE, FILESYSTEM, INODE_DIRECTORY, INODE];

/** Release -> version -> class -> class version. */
export const RELEASES: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>> = {
  blkdev: {
    '1.0.0': { BlockDevice: '1.0.0' },
    '1.1.0': { BlockDevice: '1.1.0' },
    '2.0.0': { BlockDevice: '2.0.0' },
  },
  simplefs: {
    '1.0.0': { FileSystem: '1.0.0', Inode: '1.0.0' },
    '1.1.0': { FileSystem: '1.0.0', Inode: '1.1.0' },
    '1.2.0': { FileSystem: '1.0.0', Inode: '1.2.0' },
    '2.0.0': { FileSystem: '1.0.0', Inode: '2.0.0' },
    '2.1.0': { FileSystem: '2.1.0', Inode: '2.1.0' },
    '3.0.0': { FileSystem: '3.0.0', Inode: '2.1.0' },
  },
};

/** The releases the twin boots with. */
export const DEFAULT_RELEASES: Readonly<Record<string, string>> = { blkdev: '1.0.0', simplefs: '1.0.0' };
