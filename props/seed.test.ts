// Unit test of the coverage checks of the property tests (props/seed.ts):
// a quick run (LIVEMOD_PROP_RUNS below a property's default) skips them and
// says so, instead of failing thresholds set for more runs; a longer run
// scales them up.

import { describe, expect, it, vi } from 'vitest';
import { checkCoverage } from './seed.js';

describe('checkCoverage', () => {
  it('skips the checks below the default run count, saying so in the output', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(() => checkCoverage('quick', 3, 25, [{ what: 'commits', count: 2, moreThan: 10 }])).not.toThrow();
    expect(log).toHaveBeenCalledWith('[props] quick: coverage not checked: 3 runs made, its thresholds need at least 25');
    log.mockRestore();
  });

  it('checks the thresholds at the default run count, and scales them with more runs', () => {
    expect(() => checkCoverage('default', 25, 25, [{ what: 'commits', count: 11, moreThan: 10 }])).not.toThrow();
    expect(() => checkCoverage('default', 25, 25, [{ what: 'commits', count: 10, moreThan: 10 }])).toThrow(/default: commits in 25 runs/);
    expect(() => checkCoverage('double', 50, 25, [{ what: 'commits', count: 20, moreThan: 10 }])).toThrow(/expected 20 to be greater than 20/);
    expect(() => checkCoverage('double', 50, 25, [{ what: 'aborts', count: 1, moreThan: 0 }])).not.toThrow();
  });
});
