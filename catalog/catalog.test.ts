// Version specs as npm users write them: which version of a module in the
// histories `NAME`, `NAME@1.1`, `NAME@^2`, `NAME@latest` and `NAME@1.0.0` pick,
// and the errors for a spec that is no range or that nothing matches.

import { describe, expect, it } from 'vitest';
import { catalog, loadFromCatalog, pickVersion } from './catalog.js';

describe('pickVersion', () => {
  const versions = ['1.0.0', '1.1.0', '1.1.2', '1.2.0', '2.0.0', '2.1.0'];
  it.each([
    [undefined, '2.1.0'],
    ['latest', '2.1.0'],
    ['1.1', '1.1.2'],
    ['1', '1.2.0'],
    ['^1.1.0', '1.2.0'],
    ['~1.1.0', '1.1.2'],
    ['^2', '2.1.0'],
    ['1.1.0', '1.1.0'],
    ['>=1.1 <2', '1.2.0'],
  ])('%s picks %s (the newest match, as npm does)', (wanted, picked) => {
    expect(pickVersion('m', versions, wanted)).toBe(picked);
  });

  it('is ENOENT listing the versions when nothing matches, EINVAL when the spec is no range', () => {
    expect(() => pickVersion('m', versions, '^3')).toThrow(/^m has no version matching \^3$/);
    expect(() => pickVersion('m', versions, '9.9.9')).toThrow(/^m has no version 9\.9\.9$/);
    expect(() => pickVersion('m', versions, '^3')).toThrow(expect.objectContaining({ errno: 'ENOENT', hint: `versions of m: ${versions.join(', ')}` }));
    expect(() => pickVersion('m', versions, 'banana')).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
  });
});

describe('loadFromCatalog', () => {
  const newest = (name: string) => catalog().get(name)!.at(-1)!;
  it.each([
    ['simplefs', () => newest('simplefs')],
    ['simplefs@latest', () => newest('simplefs')],
    ['simplefs@1.1', () => '1.1.0'],
    ['simplefs@1', () => '1.2.0'],
    ['simplefs@^2', () => '2.3.0'],
    ['blkdev@1.0.0', () => '1.0.0'],
  ])('%s loads the version npm would pick', async (spec, version) => {
    const { def, source } = await loadFromCatalog(spec);
    expect(def.version).toBe(version());
    expect(source).toBe(`catalog:${def.name}@${version()}`);
  });

  it('refuses an unknown module with ENOENT naming the known ones', async () => {
    await expect(loadFromCatalog('nosuch@1')).rejects.toThrow(expect.objectContaining({ errno: 'ENOENT', message: "no module named 'nosuch'" }));
  });
});
