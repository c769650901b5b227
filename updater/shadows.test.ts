// Shadow variables through the updater: a transfer carries them over
// untouched (code-only updates, record migrations eager or lazy, reverts),
// an aborted update takes back what its upgrade.init did to them, and rmmod
// drops them with the module.

import { describe, expect, it } from 'vitest';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import { defineModule, type ModuleDef } from '../kernel/module.js';
import { Updater } from './updater.js';

interface Item { readonly n: number }
const item = (id: number) => ({ table: 'items', id });

const v1 = defineModule({
  name: 'tagger',
  version: '1.0.0',
  description: 'items with shadows',
  records: { items: 1 },
  init(m) {
    for (let i = 0; i < 5; i++) m.records<Item>('items').put(i, { n: i });
    m.shadow.set(item(1), 'tag', { label: 'one' });
    m.shadow.set(item(3), 'tag', { label: 'three' });
  },
});
/** Code only: nothing to transfer. */
const v101 = defineModule({ ...v1, version: '1.0.1', upgrade: { from: ['1.0.0'] }, downgrade: { to: ['1.0.0'] } });
/** Items gain a field: schema 1 -> 2, migrated. */
const v11 = defineModule({
  ...v1,
  version: '1.1.0',
  records: { items: 2 },
  upgrade: { from: ['1.0.0'], instance: { items: (o: Item) => ({ ...o, twice: o.n * 2 }) } },
  downgrade: { to: ['1.0.0'], instance: { items: ({ twice: _t, ...o }: Item & { twice: number }) => o } },
});

const version = (def: ModuleDef) => ({ def, source: 'test' });
const tags = (k: Kernel) => [0, 1, 2, 3, 4].map((id) => k.loader.require('tagger').ctx.shadow.get<{ label: string }>(item(id), 'tag')?.label ?? '-');

function machine(): { k: Kernel; u: Updater } {
  const k = bootKernel({ seed: 1, cpus: 2 });
  k.loader.insmod(v1, {}, 'test');
  return { k, u: new Updater(k) };
}

describe('shadows through updates', () => {
  it('survive a code-only update and its revert, as the same data', () => {
    const { k, u } = machine();
    const before = k.store.shadows('tagger');
    u.run([version(v101)]);
    expect(k.store.shadows('tagger')).toBe(before);
    u.revert('tagger');
    expect(tags(k)).toEqual(['-', 'one', '-', 'three', '-']);
  });

  for (const lazy of [false, true]) {
    it(`survive a record migration (${lazy ? 'lazy' : 'eager'}) and its revert, attached to the same records`, () => {
      const { k, u } = machine();
      u.run([version(v11)], { lazy });
      expect(k.store.getRecord('tagger', 'items', 3)).toEqual({ n: 3, twice: 6, v: 2 });
      expect(tags(k)).toEqual(['-', 'one', '-', 'three', '-']);
      k.loader.require('tagger').ctx.shadow.set(item(4), 'tag', { label: 'four' }); // by the new version
      u.revert('tagger');
      expect(k.store.getRecord('tagger', 'items', 3)).toEqual({ n: 3, v: 1 });
      expect(tags(k)).toEqual(['-', 'one', '-', 'three', 'four']);
    });
  }

  it('an update whose upgrade.init fails takes back the shadow changes init made', () => {
    const { k, u } = machine();
    const before = k.store.image('tagger');
    const failing = defineModule({
      ...v101,
      version: '1.0.2',
      upgrade: {
        from: ['1.0.0'],
        init(m) {
          m.shadow.freeAll('tag');
          m.shadow.set(item(0), 'tag', { label: 'zero' });
          throw new Error('init gives up');
        },
      },
    });
    expect(() => u.run([version(failing)])).toThrow(expect.objectContaining({ errno: 'ECANCELED' }));
    expect(k.store.image('tagger')).toBe(before);
    expect(tags(k)).toEqual(['-', 'one', '-', 'three', '-']);
  });

  it('an update whose upgrade.init succeeds keeps what it did to the shadows; the revert keeps it too', () => {
    const { k, u } = machine();
    const relabel = defineModule({ ...v101, version: '1.0.3', upgrade: { from: ['1.0.0'], init: (m) => void m.shadow.set(item(0), 'tag', { label: 'zero' }) } });
    u.run([version(relabel)]);
    u.revert('tagger');
    expect(tags(k)).toEqual(['zero', 'one', '-', 'three', '-']);
  });

  it('go with the module at rmmod: a reload starts with none', () => {
    const { k } = machine();
    k.loader.require('tagger').ctx.shadow.freeAll('tag');
    k.loader.require('tagger').ctx.shadow.set(item(2), 'extra', 1);
    k.loader.rmmod('tagger');
    expect(k.store.has('tagger')).toBe(false);
    k.loader.insmod(v1, {}, 'test');
    expect(tags(k)).toEqual(['-', 'one', '-', 'three', '-']); // what init made again, nothing more
    expect(k.loader.require('tagger').ctx.shadow.get(item(2), 'extra')).toBeUndefined();
  });
});
