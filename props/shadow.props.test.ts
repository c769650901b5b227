// Shadow variables against a model: random sequences of record puts and
// deletes, shadow sets, frees and freeAlls, updates (code only, and record
// migrations eager and lazy), reverts and updates that fail in upgrade.init
// after changing shadows. After every step each shadow is what the model
// says: shadows survive updates and reverts, go with their record, and an
// aborted update leaves none of its changes. rmmod takes them all.

import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import type { ModuleContext } from '../kernel/module.js';
import { Updater } from '../updater/updater.js';
import { checkCoverage, propParams } from './seed.js';
import { failingTagger, itemOf, TAGGER_V1, TAGGER_V101, TAGGER_V11 } from './tagger.js';

const IDS = 4;
const KEYS = ['a', 'b'] as const;
const id = fc.integer({ min: 0, max: IDS - 1 });
const key = fc.constantFrom(...KEYS);

const step = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('put' as const), id }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), id }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), id, key, value: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('free' as const), id, key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('freeAll' as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('update' as const), to: fc.constantFrom('1.0.1', '1.1.0'), lazy: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('revert' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), id, key, value: fc.integer({ min: 100, max: 199 }) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const seen = { committed: 0, reverted: 0, aborted: 0, survivedRevert: 0, freedWithRecord: 0 };

/** The model: which items exist, and each shadow by `key/id`. */
class Model {
  readonly items = new Set<number>();
  readonly shadows = new Map<string, number>();
  set(i: number, k: string, v: number) {
    this.shadows.set(`${k}/${i}`, v);
  }
  dropItem(i: number): number {
    let n = 0;
    for (const k of KEYS) if (this.shadows.delete(`${k}/${i}`)) n++;
    return n;
  }
}

const ctx = (k: Kernel) => k.loader.require('tagger').ctx as ModuleContext;
const item = (i: number) => ({ table: 'items', id: i });

function apply(k: Kernel, u: Updater, model: Model, s: Step): void {
  const m = ctx(k);
  const running = m.version;
  switch (s.op) {
    case 'put':
      m.records('items').put(s.id, itemOf(running, s.id));
      model.items.add(s.id);
      return;
    case 'delete':
      if (!model.items.has(s.id)) return;
      m.records('items').delete(s.id);
      model.items.delete(s.id);
      seen.freedWithRecord += model.dropItem(s.id);
      return;
    case 'set':
      if (!model.items.has(s.id)) {
        expect(() => m.shadow.set(item(s.id), s.key, s.value)).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
        return;
      }
      m.shadow.set(item(s.id), s.key, s.value);
      model.set(s.id, s.key, s.value);
      return;
    case 'free':
      expect(m.shadow.free(item(s.id), s.key)).toBe(model.shadows.delete(`${s.key}/${s.id}`));
      return;
    case 'freeAll': {
      const mine = [...model.shadows.keys()].filter((x) => x.startsWith(`${s.key}/`));
      expect(m.shadow.freeAll(s.key)).toBe(mine.length);
      for (const x of mine) model.shadows.delete(x);
      return;
    }
    case 'update': {
      const def = s.to === '1.0.1' ? TAGGER_V101 : TAGGER_V11;
      if (!def.upgrade!.from.includes(running)) return;
      u.run([{ def, source: 'props' }], { lazy: s.lazy });
      seen.committed++;
      return;
    }
    case 'revert':
      if (k.loader.require('tagger').updateStack.length === 0) return;
      seen.survivedRevert += model.shadows.size;
      u.revert('tagger');
      seen.reverted++;
      return;
    case 'abort': {
      const bad = failingTagger(running, (next) => {
        next.shadow.freeAll('a');
        if (model.items.has(s.id)) next.shadow.set(item(s.id), s.key, s.value);
      });
      expect(() => u.run([{ def: bad, source: 'props' }])).toThrow(expect.objectContaining({ errno: 'ECANCELED' }));
      seen.aborted++;
      return;
    }
  }
}

function expectModel(k: Kernel, model: Model): void {
  const m = ctx(k);
  for (let i = 0; i < IDS; i++) {
    expect(m.records('items').get(i) !== undefined, `item ${i}`).toBe(model.items.has(i));
    for (const k2 of KEYS) {
      if (model.items.has(i)) expect(m.shadow.get(item(i), k2), `${k2}/${i}`).toBe(model.shadows.get(`${k2}/${i}`));
      else expect(model.shadows.has(`${k2}/${i}`)).toBe(false);
    }
  }
}

describe('shadow variables', () => {
  const params = propParams('shadow variables through updates, reverts and aborts', 60);
  test.prop({ steps: fc.array(step, { minLength: 15, maxLength: 40 }) }, params)('are what the model says after every step, and go with the module', ({ steps }) => {
    const k = bootKernel({ seed: 1, cpus: 1 });
    k.loader.insmod(TAGGER_V1, {}, 'props');
    const u = new Updater(k);
    const model = new Model();
    for (const s of steps) {
      apply(k, u, model, s);
      expectModel(k, model);
    }
    k.loader.rmmod('tagger');
    k.loader.insmod(TAGGER_V1, {}, 'props');
    for (let i = 0; i < IDS; i++) ctx(k).records('items').put(i, itemOf('1.0.0', i));
    for (let i = 0; i < IDS; i++) for (const k2 of KEYS) expect(ctx(k).shadow.get(item(i), k2)).toBeUndefined();
  });

  afterAll(() => {
    console.log(`[props] shadow variables: ${JSON.stringify(seen)}`);
    checkCoverage('shadow variables', params.numRuns, 60, [
      { what: 'updates committed', count: seen.committed, moreThan: 70 },
      { what: 'reverts', count: seen.reverted, moreThan: 50 },
      { what: 'aborted updates', count: seen.aborted, moreThan: 60 },
      { what: 'shadows carried across a revert', count: seen.survivedRevert, moreThan: 40 },
      { what: 'shadows freed with their record', count: seen.freedWithRecord, moreThan: 10 },
    ]);
  });
});
