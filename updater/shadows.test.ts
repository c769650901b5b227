// Shadow variables through the updater: a transfer carries them over
// untouched (code-only updates, record migrations eager or lazy, reverts),
// an aborted update takes back what its upgrade.init did to them, and rmmod
// drops them with the module.

import { describe, expect, it } from 'vitest';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import { defineModule, type ModuleDef } from '../kernel/module.js';
import { itemOf, TAGGER_V1, TAGGER_V101, TAGGER_V11 } from '../props/tagger.js';
import { Updater } from './updater.js';

const item = (id: number) => ({ table: 'items', id });

const version = (def: ModuleDef) => ({ def, source: 'test' });
const tags = (k: Kernel) => [0, 1, 2, 3, 4].map((id) => k.loader.require('tagger').ctx.shadow.get<{ label: string }>(item(id), 'tag')?.label ?? '-');

/** tagger 1.0.0 with items 0..4, and shadows `tag` on items 1 and 3. */
function machine(): { k: Kernel; u: Updater } {
  const k = bootKernel({ seed: 1, cpus: 2 });
  k.loader.insmod(TAGGER_V1, {}, 'test');
  const m = k.loader.require('tagger').ctx;
  for (let i = 0; i < 5; i++) m.records('items').put(i, itemOf('1.0.0', i));
  m.shadow.set(item(1), 'tag', { label: 'one' });
  m.shadow.set(item(3), 'tag', { label: 'three' });
  return { k, u: new Updater(k) };
}

describe('shadows through updates', () => {
  it('survive a code-only update and its revert, as the same data', () => {
    const { k, u } = machine();
    const before = k.store.shadows('tagger');
    u.run([version(TAGGER_V101)]);
    expect(k.store.shadows('tagger')).toBe(before);
    u.revert('tagger');
    expect(tags(k)).toEqual(['-', 'one', '-', 'three', '-']);
  });

  for (const lazy of [false, true]) {
    it(`survive a record migration (${lazy ? 'lazy' : 'eager'}) and its revert, attached to the same records`, () => {
      const { k, u } = machine();
      u.run([version(TAGGER_V11)], { lazy });
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
      ...TAGGER_V101,
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
    const relabel = defineModule({ ...TAGGER_V101, version: '1.0.3', upgrade: { from: ['1.0.0'], init: (m) => void m.shadow.set(item(0), 'tag', { label: 'zero' }) } });
    u.run([version(relabel)]);
    u.revert('tagger');
    expect(tags(k)).toEqual(['zero', 'one', '-', 'three', '-']);
  });

  it('go with the module at rmmod: a reload starts with none', () => {
    const { k } = machine();
    k.loader.rmmod('tagger');
    expect(k.store.has('tagger')).toBe(false);
    k.loader.insmod(TAGGER_V1, {}, 'test');
    for (let i = 0; i < 5; i++) k.loader.require('tagger').ctx.records('items').put(i, itemOf('1.0.0', i));
    expect(tags(k)).toEqual(['-', '-', '-', '-', '-']);
  });
});
