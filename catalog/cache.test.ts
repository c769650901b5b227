// The compile cache of modules loaded by path is private to the user: a
// directory made with mode 0700 (an existing one of ours that others could
// write is closed), a file planted where a compiled copy goes is replaced,
// never written through, and a cache directory someone else owns is refused.

import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_FILES, compileCache, loadFromPath, pruneCache } from './catalog.js';

const MODULE = `import { defineModule } from 'livemod/module';
export default defineModule({ name: 'cachetest', version: '1.0.0', description: 'a module for the cache test' });
`;

const saved = process.env.LIVEMOD_CACHE;
afterEach(() => {
  if (saved === undefined) delete process.env.LIVEMOD_CACHE;
  else process.env.LIVEMOD_CACHE = saved;
});

describe('the compile cache', () => {
  it('is made private (0700), and a shared one of ours is closed', () => {
    const root = mkdtempSync(join(tmpdir(), 'livemod-cache-'));
    process.env.LIVEMOD_CACHE = join(root, 'fresh');
    expect(compileCache()).toBe(join(root, 'fresh'));
    expect(lstatSync(join(root, 'fresh')).mode & 0o777).toBe(0o700);
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    process.env.LIVEMOD_CACHE = open;
    compileCache();
    expect(lstatSync(open).mode & 0o777).toBe(0o700);
  });

  it('refuses a cache path that is not a directory of this user (a link planted in its place)', () => {
    const root = mkdtempSync(join(tmpdir(), 'livemod-cache-'));
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), join(root, 'link'));
    process.env.LIVEMOD_CACHE = join(root, 'link');
    expect(() => compileCache()).toThrow(expect.objectContaining({ errno: 'EACCES' }));
  });

  it('never writes through a link planted where a compiled copy, or its copy being written, goes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'livemod-cache-'));
    const cache = join(root, 'cache');
    process.env.LIVEMOD_CACHE = cache;
    const src = join(root, 'mod.ts');
    writeFileSync(src, MODULE);
    expect((await loadFromPath(src)).def.name).toBe('cachetest');
    const [compiled] = readdirSync(cache).filter((f) => f.endsWith('.cjs'));
    const out = join(cache, compiled!);
    // Links to a file of the user's, planted at the compiled copy's name and at the name it is written aside under.
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'precious');
    unlinkSync(out);
    symlinkSync(victim, out);
    symlinkSync(victim, `${out}.${process.pid}.${threadId}.tmp`);
    expect((await loadFromPath(src)).def.name).toBe('cachetest');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(out).isSymbolicLink()).toBe(false);
  });

  it('is bounded: it keeps the newest copies and unlinks the oldest, a planted link as itself', () => {
    const root = mkdtempSync(join(tmpdir(), 'livemod-cache-'));
    const cache = join(root, 'cache');
    mkdirSync(cache);
    for (let i = 0; i < 6; i++) {
      writeFileSync(join(cache, `c${i}.cjs`), `copy ${i}`);
      utimesSync(join(cache, `c${i}.cjs`), 1000 + i, 1000 + i);
    }
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(cache, 'planted.cjs'));
    // The link is the newest entry: keeping 4 keeps it and c5, c4, c3.
    expect(pruneCache(cache, 4)).toBe(3);
    expect(readdirSync(cache).sort()).toEqual(['c3.cjs', 'c4.cjs', 'c5.cjs', 'planted.cjs']);
    expect(pruneCache(cache, 1)).toBe(3);
    expect(readdirSync(cache)).toEqual(['planted.cjs']);
    expect(pruneCache(cache, 0)).toBe(1);
    expect(readFileSync(victim, 'utf8')).toBe('precious'); // the link went, not its target
    expect(pruneCache(cache, CACHE_FILES)).toBe(0);
  });
});
