// simplefs 3.0.0: a change that cannot be applied live. Its init sets the
// module up to lay out new volumes differently: the first `journal` blocks
// of every volume it formats are kept for a journal. Volumes formatted by
// 2.x have file data in those blocks, and an update does not re-run init;
// 3.0 declares no `upgrade.init` that could move that data, so the updater's
// plan refuses it, naming the reason, from 2.1 and from 2.3 alike. Loaded
// fresh (rmmod, insmod on a disk it formats itself), it works. It is built on
// 2.1's code (a free-block bitmap), not on 2.2's or 2.3's.

import { type Ctx, defineModule, type Draft, err } from '../../kernel/module.js';
import { withBits } from './1.0.0.js';
import { type SfsState as SfsState2 } from './1.2.0.js';
import v21, { type Inode, mount as mount21 } from './2.1.0.js';
import type { Imports } from './2.0.0.js';
import { type SfsState as SfsState23, toBitmapState } from './2.3.0.js';

interface SfsState extends SfsState2 {
  /** Blocks kept for the journal at the start of each volume this version formats. */
  readonly journal: number;
}

type M = Ctx<SfsState, Imports>;

function mount(m: M, dev: string): number {
  const fresh = m.state().volumes[dev] === undefined;
  if (fresh && m.imports.blk_capacity(dev) <= m.state().journal + 1) {
    throw err('ENOSPC', `${dev} has ${m.imports.blk_capacity(dev)} blocks, too few for a journal of ${m.state().journal}`, 'insmod simplefs with a smaller journal=N');
  }
  const root = mount21(m as never, dev);
  if (fresh) {
    const journal = m.state().journal;
    const freeMap = withBits(m.state().volumes[dev]!.freeMap, Array.from({ length: journal }, (_, i) => i + 1), true);
    m.commit((s) => {
      const v = s.volumes[dev]!;
      v.freeMap = freeMap as Draft<typeof freeMap>;
      v.used += journal;
    });
    m.k.printk(`${dev}: blocks 1..${journal} kept for the journal`);
  }
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
