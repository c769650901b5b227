// `livemod compare`: both kernels pass the workload's verification with every
// update applied, the kinds of change come out of real attempts, the table is
// built from the measured result, the SVG is a well-formed chart of it, and a
// bad --svg path is a one-line errno error.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, COMPARE_STEPS, type CompareResult } from '../compare/compare.js';
import { compareReport, compareSvg } from './compare.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

describe('livemod compare', () => {
  let result: CompareResult;

  it('runs the same updates on both kernels with nothing failed or lost', async () => {
    result = await compare({ seed: 3, cpus: 2, indirectionCalls: 100_000 });
    for (const k of result.kernels) {
      expect(k.failures).toEqual([]);
      expect(k.failed + k.wrong).toBe(0);
      expect(k.files).toBeGreaterThan(0);
      expect(k.steps.map((s) => s.outcome)).toEqual(COMPARE_STEPS.map((s) => (s.spec === 'simplefs@3.0.0' ? 'refused' : 'committed')));
      // Updates under load: work went on while each committed update was in progress.
      expect(k.steps.filter((s) => s.outcome === 'committed').every((s) => s.waitCycles > 0)).toBe(true);
    }
    // Same seed, same workload: the two kernels did comparable work (within a quarter of each other).
    const [p, o] = result.kernels;
    expect(Math.abs(p.syscalls - o.syscalls) / p.syscalls).toBeLessThan(0.25);
  });

  it('prints figures taken from the result', () => {
    const text = compareReport(result).join('\n');
    const [p, o] = result.kernels;
    expect(text).toContain(`${p.ops}, 0`);
    expect(text).toContain(`${o.ops}, 0`);
    expect(text).toContain(((p.syscalls / p.cycles) * 1e6).toFixed(1));
    expect(text).toContain(result.indirection.objects.extraNs.toFixed(1));
    expect(text).toContain(p.trace);
    for (const [i, s] of o.steps.entries()) if (s.outcome === 'committed') expect(text).toMatch(new RegExp(`^${i + 1} .*${Math.round(s.waitCycles).toLocaleString('en-US')} / `, 'm'));
    expect(text).toMatch(/new disk layout set up by init\s+refused: EINVAL.*refused: EINVAL: FileSystem 2\.1\.0 -> 3\.0\.0/);
  });

  it('another seed gives other figures', async () => {
    const other = await compare({ seed: 4, cpus: 2, indirectionCalls: 100_000 });
    expect(other.kernels[0].trace).not.toBe(result.kernels[0].trace);
    expect(other.kernels[1].trace).not.toBe(result.kernels[1].trace);
    expect(other.kernels.map((k) => k.syscalls)).not.toEqual(result.kernels.map((k) => k.syscalls));
  });

  it('draws one line per kernel over every window, with each update marked', () => {
    const svg = compareSvg(result);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' ').length);
    expect(lines).toEqual(result.kernels.map((k) => k.samples.length - 1));
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2 * COMPARE_STEPS.length);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('names the errno when the SVG cannot be written, without a stack', () => {
    const r = spawnSync(process.execPath, [BIN, '--cpus', '2', 'compare', '--svg', '/no/such/dir/chart.svg'], { encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('livemod: ENOENT: cannot write /no/such/dir/chart.svg: no directory /no/such/dir (create the directory or give another path)');
    expect(r.stdout).toBe(''); // refused before the run
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
