// The instruction benchmark's grouping of runs into levels (bench/insn-kernels.ts):
// runs more than 10% apart are reported as levels, not folded into one median.

import { describe, expect, it } from 'vitest';
import { levels } from './insn-kernels.js';

describe('levels', () => {
  it('keeps runs within 10% of each other in one level, with their median', () => {
    expect(levels([141_600, 139_681, 140_138])).toEqual([{ median: 140_138, runs: 3 }]);
  });

  it('splits the runs where one is more than 10% above the one before, lowest level first', () => {
    expect(levels([198_388, 139_008, 139_357, 204_450])).toEqual([
      { median: 139_182.5, runs: 2 },
      { median: 201_419, runs: 2 },
    ]);
  });

  it('chains: each run is compared with the one just below it, not with the level\'s first', () => {
    // 100 -> 109 -> 118: each step under 10%, so one level although 118 is 18% above 100.
    expect(levels([118, 100, 109])).toEqual([{ median: 109, runs: 3 }]);
  });

  it('makes no level of no runs', () => {
    expect(levels([])).toEqual([]);
  });
});
