// FileSystem 2.1.0: an added method, statfs, which the VFS's statfs needs
// (1.0.0 answers ENOSYS). The state is 1.0's, transferred as fs-v1.

import type { StatFs } from '../../../exec/abi.js';
import { SECTOR_SIZE } from '../../../hw/disk.js';
import { defineClass } from '../../objclass.js';
import { FileSystem10 } from './1.0.0.js';
import { fsFormats } from './formats.js';

/** 2.1.0: statfs (the VFS's statfs needs it; 1.0.0 answers ENOSYS). */
export class FileSystem21 extends FileSystem10 {
  statfs(): StatFs {
    return { blockSize: SECTOR_SIZE, blocks: this.blocks, free: this.blocks - this.used, files: this.env.callPlain(this.inodes, 'size') as number };
  }
}

export default defineClass({ name: 'FileSystem', version: '2.1.0', description: 'volume with statfs', iface: 1, ...fsFormats(FileSystem21) });
