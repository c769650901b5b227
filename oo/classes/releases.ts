// The twin's version history, named as the procedural modules' releases so
// that one sequence of updates (`blkdev@1.1.0`, `simplefs@1.2.0`, ...) runs
// on both kernels: each release says which version of each of its classes it
// consists of. An update to a release updates the classes whose version
// changes; the others keep running as they are.

import type { ObjClass } from '../objclass.js';
import blockDevice10 from './blockdevice/1.0.0.js';
import blockDevice11 from './blockdevice/1.1.0.js';
import blockDevice20 from './blockdevice/2.0.0.js';
import fileSystem10 from './filesystem/1.0.0.js';
import fileSystem21 from './filesystem/2.1.0.js';
import fileSystem30 from './filesystem/3.0.0.js';
import inode10 from './inode/1.0.0.js';
import inode11 from './inode/1.1.0.js';
import inode12 from './inode/1.2.0.js';
import inode20 from './inode/2.0.0.js';
import inode21 from './inode/2.1.0.js';
import inodeDirectory10 from './inodedirectory/1.0.0.js';

/** Each class's version history, oldest first (one file per version: `oo/classes/<class>/<version>.ts`). */
export const BLOCKDEVICE: readonly ObjClass[] = [blockDevice10, blockDevice11, blockDevice20];
export const FILESYSTEM: readonly ObjClass[] = [fileSystem10, fileSystem21, fileSystem30];
export const INODE_DIRECTORY: readonly ObjClass[] = [inodeDirectory10];
export const INODE: readonly ObjClass[] = [inode10, inode11, inode12, inode20, inode21];

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
