// The file forms of a sweep's rows: CSV with a header, quoting and empty
// cells for a refusal's missing figures; JSON one row a line, read back as
// written and refused (naming the file) when it is not a sweep's.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRowsJson, rowsCsv, rowsJson, SWEEP_COLUMNS, type SweepRow, withoutWall } from './rows.js';

const committed: SweepRow = {
  seed: 3, cpus: 2, threads: 2, kernel: 'objects', strategy: 'default', step: 1, update: 'blkdev@2.0.0 simplefs@2.0.0',
  outcome: 'committed', errno: null, used: 'hot-swap', lazy: false, requestedAt: 100,
  waitCycles: 7000, pauseWallUs: 61.25, heldCalls: 3, stoppedCycles: 0, syscallsDuring: 9, migrated: 37, pending: 0,
  ops: 120, failed: 0, wrong: 0, trace: 'abc', wallMs: 250.5,
};
const refused: SweepRow = { ...committed, step: 2, update: 'say "x", then y', outcome: 'refused', errno: 'EINVAL', used: null, lazy: null, waitCycles: null, pauseWallUs: null, heldCalls: null, stoppedCycles: null, syscallsDuring: null, migrated: null, pending: null };

describe('sweep rows', () => {
  it('as CSV: a header of every column, then one line a row', () => {
    const lines = rowsCsv([committed, refused]).trimEnd().split('\n');
    expect(lines[0]).toBe(SWEEP_COLUMNS.join(','));
    expect(lines[1]).toBe('3,2,2,objects,default,1,blkdev@2.0.0 simplefs@2.0.0,committed,,hot-swap,false,100,7000,61.3,3,0,9,37,0,120,0,0,abc,250.5');
    expect(lines[2]).toBe('3,2,2,objects,default,2,"say ""x"", then y",refused,EINVAL,,,100,,,,,,,,120,0,0,abc,250.5');
  });

  it('as JSON: one row a line, read back the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-rows-'));
    const text = rowsJson([committed, refused]);
    expect(text.split('\n')).toHaveLength(5);
    writeFileSync(join(dir, 'a.json'), text);
    expect(readRowsJson(join(dir, 'a.json'))).toEqual([committed, refused]);
    writeFileSync(join(dir, 'b.json'), '{"schema":"livemod.check/1"}');
    expect(() => readRowsJson(join(dir, 'b.json'))).toThrow(/b\.json is not a sweep's rows/);
    expect(() => readRowsJson(join(dir, 'none.json'))).toThrow(/^cannot read sweep rows from .*none\.json/);
  });

  it('without their wall-clock columns keep everything else', () => {
    expect(Object.keys(withoutWall(committed))).toEqual(SWEEP_COLUMNS.filter((c) => c !== 'pauseWallUs' && c !== 'wallMs'));
  });
});
