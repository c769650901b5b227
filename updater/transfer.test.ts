// The transfer check at work in an update: a `check` that returns anything
// but a string or nothing aborts it, and a transferred state with a symbol
// key, a sparse array or a null-prototype object is refused by name. Each
// abort leaves the running version and its state (the same reference).

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../catalog/boot.js';
import { loadModuleDef } from '../catalog/catalog.js';
import type { Sys } from '../exec/abi.js';
import { runProgram } from '../exec/executive.js';
import type { ModuleDef } from '../kernel/module.js';
import { Updater } from './updater.js';

async function machine() {
  const k = await bootWithModules(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0'], { seed: 4 });
  runProgram(k, 'setup', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
    yield* sys.mkdir('/mnt/d');
  });
  return { k, u: new Updater(k) };
}

/** simplefs 1.2.0 (a state transfer and a check) with `change` made to its upgrade. */
async function altered(change: (up: NonNullable<ModuleDef['upgrade']>) => Partial<NonNullable<ModuleDef['upgrade']>>) {
  const { def } = await loadModuleDef('simplefs@1.2.0');
  return { def: { ...def, version: '1.2.9', upgrade: { ...def.upgrade!, ...change(def.upgrade!) } }, source: 'test' };
}

/** The update of `v` aborts with `message`, leaving 1.1.0 and its very state. */
async function expectAbort(v: Awaited<ReturnType<typeof altered>>, message: RegExp) {
  const { k, u } = await machine();
  const before = k.store.state('simplefs');
  expect(() => u.run([v])).toThrow(message);
  expect(k.loader.require('simplefs').def.version).toBe('1.1.0');
  expect(k.store.state('simplefs')).toBe(before);
  expect(runProgram<string[]>(k, 'ls', (sys: Sys) => sys.readdir('/mnt'))).toEqual(['d']);
}

describe('a check returns a string or nothing', () => {
  it.each([
    ['an object', { ok: true }, /check failed: it returned a object/],
    ['true', true, /check failed: it returned a boolean/],
    ['a number', 0, /check failed: it returned a number/],
    ['null', null, /check failed: it returned null/],
    ['an empty string', '', /check failed: it returned an empty string/],
  ])('aborts when it returns %s', async (_what, result, message) => {
    await expectAbort(await altered(() => ({ check: () => result as never })), message);
  });

  it('aborts when it returns a promise (an async check)', async () => {
    await expectAbort(await altered(() => ({ check: (async () => undefined) as never })), /check failed: it returned a object/);
  });

  it('commits when it returns nothing', async () => {
    const { k, u } = await machine();
    expect(u.run([await altered(() => ({ check: () => undefined }))]).outcome).toBe('committed');
    expect(k.loader.require('simplefs').def.version).toBe('1.2.9');
  });
});

describe('what a transfer returns is refused by name, not dropped', () => {
  const withExtra = (extra: (s: Record<string, unknown>) => Record<string, unknown>) =>
    altered((up) => ({ state: (old: unknown) => extra(up.state!(old) as Record<string, unknown>) }));

  it('a symbol-keyed property', async () => {
    await expectAbort(await withExtra((s) => ({ ...s, [Symbol('cache')]: 1 })), /not plain data: state has a property keyed by Symbol\(cache\)/);
  });

  it('a sparse array', async () => {
    await expectAbort(await withExtra((s) => ({ ...s, order: [1, , 3] })), /not plain data: state\.order is a sparse array: element 1 is a hole/);
  });

  it('a null-prototype object', async () => {
    await expectAbort(await withExtra((s) => ({ ...s, dirs: Object.assign(Object.create(null) as object, s.dirs) })), /not plain data: state\.dirs has a null prototype/);
  });
});
