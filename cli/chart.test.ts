// `livemod chart sweep`: the built binary reads a sweep's rows and writes
// the SVG and, beside it, the Vega-Lite spec with the rows inline; a file
// that is not a sweep's rows, or a row that lacks a column, is a usage
// error (exit 2) naming the file, and nothing is written.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeError } from './format.js';
import { readSweepRows } from './chart.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const livemod = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });

/** A sweep's row with every column `livemod sweep --json` writes. */
const row = (seed: number, kernel: string, step: number, outcome: string) => ({
  seed, cpus: 4, threads: 4, kernel, strategy: 'default', step, update: step === 1 ? 'simplefs@1.2.0' : 'simplefs@3.0.0', outcome,
  errno: outcome === 'refused' ? 'EINVAL' : null, used: outcome === 'refused' ? null : kernel === 'objects' ? 'hot-swap' : 'module', lazy: outcome === 'refused' ? null : false,
  requestedAt: 300_000, waitCycles: outcome === 'refused' ? null : 4_000 + seed, pauseWallUs: outcome === 'refused' ? null : 100.5, heldCalls: outcome === 'refused' ? null : 2,
  stoppedCycles: outcome === 'refused' ? null : 0, syscallsDuring: outcome === 'refused' ? null : 7, migrated: outcome === 'refused' ? null : 0, pending: outcome === 'refused' ? null : 0,
  ops: 100, failed: 0, wrong: 0, trace: 'abcd', wallMs: 50,
});
const ROWS = [1, 2].flatMap((seed) => ['modules', 'objects'].flatMap((kernel) => [row(seed, kernel, 1, 'committed'), row(seed, kernel, 2, 'refused')]));

describe('livemod chart sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livemod-chart-'));
  const rowsFile = join(dir, 'rows.json');
  writeFileSync(rowsFile, JSON.stringify({ schema: 'livemod.sweep/1', columns: Object.keys(ROWS[0]!), rows: ROWS }));

  it('writes the box plots as SVG, and the spec with the rows beside it', () => {
    const r = livemod('chart', 'sweep', rowsFile, '--svg', join(dir, 'sweep.svg'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`chart written: ${join(dir, 'sweep.svg')} (wait and pause across 2 seeds, 8 rows); its Vega-Lite spec with the data: ${join(dir, 'sweep.vl.json')}`);
    const svg = readFileSync(join(dir, 'sweep.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('>1 simplefs@1.2.0</text>');
    const spec = JSON.parse(readFileSync(join(dir, 'sweep.vl.json'), 'utf8')) as { $schema: string; data: { values: unknown[] } };
    expect(spec.$schema).toMatch(/vega-lite/);
    expect(spec.data.values).toHaveLength(ROWS.length);
  });

  it('refuses a file that is not a sweep\'s rows with exit 2, and writes nothing', () => {
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ schema: 'livemod.compare/2' }));
    const r = livemod('chart', 'sweep', join(dir, 'other.json'), '--svg', join(dir, 'no.svg'));
    expect([r.status, r.stderr.trim()]).toEqual([2, `livemod: EINVAL: ${join(dir, 'other.json')} is not a sweep's rows (schema livemod.sweep/1) (give a file written by livemod sweep --json)`]);
    expect(existsSync(join(dir, 'no.svg'))).toBe(false);
  });

  it('names the row that lacks a column it reads, and a file it cannot read', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ schema: 'livemod.sweep/1', rows: [ROWS[0], { ...ROWS[1], seed: 'x' }] }));
    const error = (file: string) => {
      try {
        readSweepRows(join(dir, file));
        return 'read';
      } catch (e) {
        return describeError(e);
      }
    };
    expect(error('bad.json')).toBe(`EINVAL: ${join(dir, 'bad.json')}: row 2: seed is not a number (give a file written by livemod sweep --json)`);
    expect(error('none.json')).toBe(`ENOENT: cannot read sweep rows from ${join(dir, 'none.json')}: ENOENT (give a file written by livemod sweep --json)`);
    expect(error('rows.json')).toBe('read');
  });
});
