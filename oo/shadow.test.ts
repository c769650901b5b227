// The twin's shadow variables: the procedural API on object ids; they hang
// on the id, so they survive a hot-swap (eager or lazy) and its revert, go
// with a destroyed object, and a transfer that tries to change one is
// refused, which aborts the update with every object and shadow as it was.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Attr, Sys } from '../exec/abi.js';
import { runProgram } from '../exec/executive.js';
import type { KGen } from '../exec/thread.js';
import { INODE } from './classes/releases.js';
import { bootObjectKernel, type ObjectKernel } from './kernel.js';
import { ObjectShadows } from './shadow.js';
import { ObjectUpdater } from './updater.js';

const enc = (s: string) => new TextEncoder().encode(s);

function machine(releases: Record<string, string> = {}) {
  const k = bootObjectKernel({ seed: 3, cpus: 2 }, { releases });
  runProgram(k, 'files', function* (sys: Sys): KGen<void> {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
    for (const name of ['a', 'b', 'c']) yield* sys.writeFile(`/mnt/${name}`, enc(name));
  });
  return { k, u: new ObjectUpdater(k) };
}

/** The Inode object of a path. */
function inodeObject(k: ObjectKernel, path: string): number {
  const { ino } = runProgram<Attr>(k, 'stat', (sys: Sys) => sys.stat(path));
  return k.ott.callPlain(k.volume('disk0')!, 'inode', [ino]) as number;
}

const labels = (k: ObjectKernel, ids: number[]) => ids.map((id) => k.env.shadow.get<{ label: string }>(id, 'tag')?.label ?? '-');

afterEach(() => vi.restoreAllMocks());

describe('ObjectShadows', () => {
  it('get, getOrAlloc (constructor once, given the object), set, free and freeAll, with frozen data', () => {
    const objs = new Map<number, object>([[1, { size: 5 }], [2, { size: 7 }]]);
    const sh = new ObjectShadows((id) => objs.get(id));
    let made = 0;
    const a = sh.getOrAlloc(1, 'double', (o: { size: number }) => ({ n: o.size * 2, made: ++made }));
    expect(sh.getOrAlloc(1, 'double', () => ({ n: 0, made: ++made }))).toBe(a);
    expect(a).toEqual({ n: 10, made: 1 });
    expect(Object.isFrozen(a)).toBe(true);
    sh.set(2, 'double', { n: 14, made: 0 });
    sh.set(2, 'tag', 'x');
    expect(sh.counts()).toEqual([['double', 2], ['tag', 1]]);
    expect(sh.free(1, 'double')).toBe(true);
    expect(sh.free(1, 'double')).toBe(false);
    expect(sh.freeAll('double')).toBe(1);
    expect(sh.get(2, 'double')).toBeUndefined();
    expect(sh.get(2, 'tag')).toBe('x');
    sh.dropObject(2);
    expect(sh.counts()).toEqual([]);
  });

  it('refuses what is not a shadow of a live object with the errno, and writes during a transfer with EPERM', () => {
    const sh = new ObjectShadows((id) => (id === 1 ? {} : undefined));
    expect(() => sh.set(9, 'k', 1)).toThrow(expect.objectContaining({ errno: 'ENOENT', message: "no object 9 to attach shadow 'k' to" }));
    expect(() => sh.getOrAlloc(9, 'k', () => 1)).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    expect(() => sh.set(1, 'k', new Map())).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(() => sh.get(1, '')).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    sh.set(1, 'k', 1);
    sh.duringTransfer(() => {
      expect(sh.get(1, 'k')).toBe(1);
      expect(() => sh.set(1, 'k', 2)).toThrow(expect.objectContaining({ errno: 'EPERM' }));
      expect(() => sh.freeAll('k')).toThrow(expect.objectContaining({ errno: 'EPERM' }));
    });
    expect(sh.freeAll('k')).toBe(1);
  });
});

describe('shadows on the twin', () => {
  for (const [from, to] of [['1.0.0', '1.1.0'], ['2.0.0', '2.1.0']] as const) {
    it(`survive the hot-swap of every inode (simplefs ${from} -> ${to}) and its revert, and go with a removed file`, () => {
      const { k, u } = machine(from === '2.0.0' ? { simplefs: from, blkdev: '2.0.0' } : {});
      const ids = ['a', 'b', 'c'].map((n) => inodeObject(k, `/mnt/${n}`));
      k.env.shadow.set(ids[0]!, 'tag', { label: 'A' });
      k.env.shadow.set(ids[2]!, 'tag', { label: 'C' });
      const old = k.instance(ids[0]!)!.obj;
      const r = u.run([`simplefs@${to}`]);
      expect(r.outcome).toBe('committed');
      runProgram(k, 'touch', (sys: Sys) => sys.readFile('/mnt/a')); // a lazy swap happens on the next call
      expect(k.instance(ids[0]!)!.obj).not.toBe(old); // a new object behind the same id
      expect(labels(k, ids)).toEqual(['A', '-', 'C']);
      u.revert('simplefs');
      expect(labels(k, ids)).toEqual(['A', '-', 'C']);
      runProgram(k, 'rm', (sys: Sys) => sys.unlink('/mnt/c'));
      expect(k.shadows.counts()).toEqual([['tag', 1]]);
    });
  }

  it('an import that changes a shadow is refused: the update aborts, objects and shadows as they were', () => {
    const { k, u } = machine();
    const id = inodeObject(k, '/mnt/a');
    k.env.shadow.set(id, 'tag', { label: 'A' });
    const real = INODE[1]!.importFrom['inode-v1']!;
    vi.spyOn(INODE[1]!.importFrom, 'inode-v1').mockImplementation((data, env) => {
      env.shadow.freeAll('tag');
      return real(data, env);
    });
    expect(() => u.run(['simplefs@1.1.0'])).toThrow(/a hot-swap's transfer cannot change shadow 'tag'/);
    expect(u.history[0]!.outcome).toBe('aborted');
    expect(u.history[0]!.error!.errno).toBe('ECANCELED');
    expect(k.factory('Inode').running.version).toBe('1.0.0');
    expect(labels(k, [id])).toEqual(['A']);
  });
});
