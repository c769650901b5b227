// "Did you mean": the edit distance and which known words count as close.

import { describe, expect, it } from 'vitest';
import { closeMatches, didYouMean, editDistance } from './suggest.js';

describe('suggest', () => {
  it('counts inserts, deletes, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('insmod', 'insmod')).toBe(0);
    expect(editDistance('insmd', 'insmod')).toBe(1);
    expect(editDistance('isnmod', 'insmod')).toBe(1);
    expect(editDistance('lsmad', 'lsmod')).toBe(1);
    expect(editDistance('', 'ab')).toBe(2);
  });

  it('offers the closest words, and abbreviations, and nothing far away', () => {
    const commands = ['insmod', 'rmmod', 'lsmod', 'modinfo', 'update', 'revert', 'workload'];
    expect(closeMatches('insmdo', commands)).toEqual(['insmod']);
    expect(closeMatches('work', commands)).toEqual(['workload']);
    expect(closeMatches('frobnicate', commands)).toEqual([]);
    expect(didYouMean('updte', commands)).toBe('did you mean update?');
    expect(didYouMean('xyz', commands)).toBe('');
  });
});
