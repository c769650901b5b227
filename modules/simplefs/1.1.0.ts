// simplefs 1.1.0: a bug fix, code only. In 1.0 a write that failed part-way
// (an I/O error from the disk) kept the blocks it had allocated past the
// file's end until the file was truncated or removed, so the space was lost
// to everyone else. 1.1 gives them back at once and keeps the inode's block
// list matching its size. Everything else is 1.0's code.

import { type Ctx, defineModule, type KGen } from '../../kernel/module.js';
import v10, { BS, freeBlocks, type Imports, inode, type Inode, type SfsState, write as write10 } from './1.0.0.js';

type M = Ctx<SfsState, Imports>;

function* write(m: M, dev: string, ino: number, offset: number, bytes: Uint8Array): KGen<number> {
  const had = inode(m, dev, ino).blocks.length;
  try {
    return yield* write10(m, dev, ino, offset, bytes);
  } catch (e) {
    releaseUnwritten(m, dev, ino, had);
    throw e;
  }
}

/** The fix: after a failed write, hand back (through `free`) the blocks it added past the end of the file (it had `had` blocks before). */
function releaseUnwritten(m: Ctx<object, unknown & object>, dev: string, ino: number, had: number, free: (m: never, dev: string, blocks: readonly number[]) => void = freeBlocks): void {
  const now = m.records<Inode>('inodes').get(ino);
  const keep = now ? Math.max(had, Math.ceil(now.size / BS)) : 0;
  if (now && now.blocks.length > keep) {
    free(m as never, dev, now.blocks.slice(keep));
    m.records<Inode>('inodes').update(ino, (r) => void (r.blocks.length = keep));
  }
}

export { releaseUnwritten, write };

export default defineModule<SfsState>({
  ...v10,
  version: '1.1.0',
  description: 'simplefs with the fix for blocks kept by a failed write',
  ops: { 'fs:simplefs': { ...v10.ops!['fs:simplefs']!, write } },
  upgrade: { from: ['1.0.0'] },
  downgrade: { to: ['1.0.0'] },
});
