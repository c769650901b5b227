// Inode 2.0.0: the callers' side of block-device interface 2. Reads and
// writes go to the device as one request per run of consecutive blocks; the
// state is 1.2's, transferred as inode-v1.

import type { KGen } from '../../../exec/thread.js';
import { sectorRuns } from '../../../hw/disk.js';
import { defineClass } from '../../objclass.js';
import { BS } from './1.0.0.js';
import { Inode12 } from './1.2.0.js';
import { imports, v1 } from './formats.js';

/** 2.0.0: one request per run of consecutive blocks, through block-device interface 2. */
export class Inode20 extends Inode12 {
  protected override readonly blkIface: number = 2;

  override *read(off: number, len: number): KGen<Uint8Array> {
    this.checkFile();
    const end = Math.min(this.size, off + len);
    if (off >= end) return new Uint8Array(0);
    const first = Math.floor(off / BS);
    const data = yield* this.readBlocks(this.blocks.slice(first, Math.ceil(end / BS)));
    return data.slice(off - first * BS, end - first * BS);
  }

  override *write(offset: number, bytes: Uint8Array): KGen<number> {
    const w = this.startWrite(offset, bytes);
    if (!w) return 0;
    const { off, data, end } = w;
    const had = this.blocks.length;
    const need = Math.ceil(end / BS);
    if (need > had) this.blocks.push(...(this.env.callPlain(this.fs, 'allocBlocks', need - had) as number[]));
    try {
      const first = Math.floor(off / BS);
      const blocks = this.blocks.slice(first, need);
      const buf = new Uint8Array(blocks.length * BS);
      // Partial blocks at either edge that hold data already: read them first.
      const edges = new Set<number>();
      if (off % BS !== 0 && first < had) edges.add(0);
      if (end % BS !== 0 && need - 1 < had) edges.add(blocks.length - 1);
      for (const i of edges) buf.set(yield* this.readBlocks([blocks[i]!]), i * BS);
      buf.set(data, off - first * BS);
      for (const r of sectorRuns(blocks)) yield* this.env.callAs(this.blkIface, this.blk, 'submit', 'write', r.start, r.count, buf.subarray(r.at * BS, (r.at + r.count) * BS));
    } catch (e) {
      this.releaseUnwritten(had);
      throw e;
    }
    this.size = Math.max(this.size, end);
    return bytes.length;
  }

  protected override *readBlock(blk: number): KGen<Uint8Array> {
    return yield* this.readBlocks([blk]);
  }

  private *readBlocks(blocks: readonly number[]): KGen<Uint8Array> {
    const out = new Uint8Array(blocks.length * BS);
    for (const r of sectorRuns(blocks)) {
      const buf = new Uint8Array(r.count * BS);
      yield* this.env.callAs(this.blkIface, this.blk, 'submit', 'read', r.start, r.count, buf);
      out.set(buf, r.at * BS);
    }
    return out;
  }
}

export default defineClass({ name: 'Inode', version: '2.0.0', description: 'runs of blocks through block-device interface 2', iface: 1, uses: { BlockDevice: 2 }, exportAs: v1, importFrom: imports(Inode20, 'inode-v1') });
