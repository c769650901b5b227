// simplefs 3.0.0: a change that cannot be applied live. Its init sets the
// module up to lay out new volumes differently: the first `journal` blocks
// of every volume it formats are kept for a journal. Volumes formatted by
// 2.x have file data in those blocks, and an update does not re-run init;
// 3.0 declares no `upgrade.init` that could move that data, so the updater's
// plan refuses it, naming the reason, from 2.1 and from 2.3 alike. Loaded
// fresh (rmmod, insmod on a disk it formats itself), it works; a volume
// another version wrote to the disk is converted when its journal blocks are
// free and refused, saying how to go on, when files hold them. It is built on
// 2.1's code (a free-block bitmap), not on 2.2's or 2.3's.

import { type Ctx, defineModule, type Draft, err, type KGen } from '../../kernel/module.js';
import { inUse, withBits } from './1.0.0.js';
import { type SfsState as SfsState2 } from './1.2.0.js';
import v21, { type Inode, LAYOUT as LAYOUT21, mountIn } from './2.1.0.js';
import { forgetVolume } from './persist.js';
import type { Imports } from './2.0.0.js';
import { type SfsState as SfsState23, toBitmapState } from './2.3.0.js';

interface SfsState extends SfsState2 {
  /** Blocks kept for the journal at the start of each volume this version formats. */
  readonly journal: number;
}

type M = Ctx<SfsState, Imports>;

/**
 * 2.1's mount, keeping blocks 1..journal for the journal. A volume read
 * from the disk that was written without one (by 1.x or 2.x) is converted
 * when those blocks are free or already kept, and refused when a file holds
 * any of them: never mounted with the journal over file data.
 */
function* mount(m: M, dev: string): KGen<number> {
  const journal = m.state().journal;
  const capacity = m.imports.blk_capacity(dev);
  if (capacity <= journal + 1) throw err('ENOSPC', `${dev} has ${capacity} blocks, too few for a journal of ${journal}`, 'insmod simplefs with a smaller journal=N');
  const root = yield* mountIn(m, dev, LAYOUT21);
  const vol = m.state().volumes[dev]!;
  const kept = (b: number) => inUse(vol.freeMap, b);
  const toKeep = Array.from({ length: journal }, (_, i) => i + 1).filter((b) => !kept(b));
  if (toKeep.length < journal) {
    const held = new Set<number>();
    for (const [, r] of m.records<Inode>('inodes').entries()) if (r.dev === dev) for (const b of r.blocks) if (b <= journal) held.add(b);
    if (held.size > 0) {
      forgetVolume(m, dev);
      throw err('EINVAL', `${dev} holds file data in ${held.size} of blocks 1..${journal}, where simplefs 3.0 keeps its journal (the volume was written without one)`, 'mount it with simplefs 2.x (rmmod simplefs; insmod simplefs@2.3.0), or use simplefs 3.0 on a fresh disk');
    }
  }
  if (toKeep.length === 0) return root;
  const freeMap = withBits(vol.freeMap, toKeep, true);
  m.commit((s) => {
    const v = s.volumes[dev]!;
    v.freeMap = freeMap as Draft<typeof freeMap>;
    v.used += toKeep.length;
  });
  m.k.printk(`${dev}: blocks 1..${journal} kept for the journal`);
  return root;
}

export default defineModule<SfsState>({
  ...v21,
  version: '3.0.0',
  description: 'simplefs with a journal area on every volume (a new disk layout)',
  params: { journal: { type: 'int', default: 64, min: 8, max: 1024, description: 'blocks kept for the journal' } },
  state: { schema: 3, initial: () => ({ volumes: {}, nextIno: 1, dirs: {}, journal: 0 }) },
  ops: { 'fs:simplefs': { ...v21.ops!['fs:simplefs']!, mount } },
  init(m) {
    m.commit((s) => void (s.journal = m.params.journal as number));
  },
  upgrade: {
    // 2.3's free extents would go back to the bitmap 3.0 keeps (the plan
    // refuses the update for init before any transfer, from either version).
    from: ['2.1.0', '2.3.0'],
    state: (old: SfsState2 | SfsState23): SfsState => ({ ...(Object.values(old.volumes).some((v) => 'free' in v) ? toBitmapState(old as SfsState23) : (old as SfsState2)), journal: 0 }),
  },
});

export type { Inode };
