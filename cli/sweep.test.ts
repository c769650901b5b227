// `livemod sweep`: as a user runs it (the built binary, worker threads and
// all), the same rows on two workers as on one but for wall time; in this
// process, a sweep split by seed range gives, put back together with
// --from, the rows of the whole; strategies a kernel does not offer are
// skipped; bad arguments are refused with the errno.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRowsJson, SWEEP_COLUMNS, withoutWall } from '../sweep/rows.js';
import { type SweepCliOptions, sweepCommand } from './sweep.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const SMALL = { cpuCounts: '2', threads: '2', steps: 'simplefs@1.1.0,simplefs@1.2.0,revert simplefs', warmup: '100k', gap: '100k' };
const dir = mkdtempSync(join(tmpdir(), 'livemod-sweep-'));

function livemod(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `livemod sweep` in this process (one worker: workers cannot load TypeScript sources), small unless reading rows; its lines and result. */
async function sweepHere(o: SweepCliOptions) {
  const lines: string[] = [];
  const ok = await sweepCommand(o.from ? o : { ...SMALL, workers: '1', ...o }, (l) => lines.push(l));
  return { ok, text: lines.join('\n') };
}

describe('livemod sweep', () => {
  it('gives the same rows on two worker threads as on one, but for the wall-clock columns', () => {
    const args = ['--seeds', '1..2', '--cpu-counts', SMALL.cpuCounts, '--threads', SMALL.threads, '--steps', SMALL.steps, '--warmup', SMALL.warmup, '--gap', SMALL.gap];
    const one = livemod(['sweep', ...args, '--workers', '1', '--json', join(dir, 'one.json'), '--csv', join(dir, 'one.csv')]);
    const two = livemod(['sweep', ...args, '--workers', '2', '--json', join(dir, 'two.json')]);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(one.stdout).toMatch(/^sweep: 4 runs, 12 rows \(seeds 1\.\.2; 2 CPUs; 2 threads; modules, objects; strategies default; 3 steps\) on 1 worker\(s\) in [\d.]+ s$/m);
    expect(two.stdout).toMatch(/ on 2 worker\(s\) in /);
    expect(one.stdout).toMatch(/^ {2}workload: [\d,]+ operations, 0 failed, 0 files wrong$/m);
    expect(one.stdout).toMatch(/^kernel +strategy +step +committed\/aborted\/refused +wait cycles +pause us +held calls +stopped cycles$/m);
    expect(one.stdout).toMatch(/^objects +default +2 simplefs@1\.2\.0 +2\/0\/0 +[\d,]+ \[[\d,]+-[\d,]+\] /m);
    const a = readRowsJson(join(dir, 'one.json'));
    const b = readRowsJson(join(dir, 'two.json'));
    expect(a).toHaveLength(12);
    expect(b.map(withoutWall)).toEqual(a.map(withoutWall));
    expect(new Set(a.map((r) => r.trace)).size).toBe(4);
    const csv = readFileSync(join(dir, 'one.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(SWEEP_COLUMNS.join(','));
    expect(csv).toHaveLength(13);
    const bad = livemod(['sweep', '--seeds', '9..1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^livemod: EINVAL: seeds must be N, N\.\.M or N-M .*\n$/);
  });

  it('splits by seed range: the parts, merged with --from, are the whole', async () => {
    await sweepHere({ seeds: '1', kernels: 'objects', json: join(dir, 'p1.json') });
    await sweepHere({ seeds: '2', kernels: 'objects', json: join(dir, 'p2.json') });
    const whole = readRowsJson(join(dir, 'one.json')).filter((r) => r.kernel === 'objects');
    const parts = [...readRowsJson(join(dir, 'p1.json')), ...readRowsJson(join(dir, 'p2.json'))];
    expect(parts.map(withoutWall)).toEqual(whole.map(withoutWall));
    const merged = await sweepHere({ from: [join(dir, 'p1.json'), join(dir, 'p2.json')], by: 'kernel,step' });
    expect(merged.ok).toBe(true);
    expect(merged.text).toMatch(/^sweep: 2 runs, 6 rows from .*p1\.json, .*p2\.json$/m);
    expect(merged.text).toMatch(/^objects +3 revert simplefs +2\/0\/0 /m);
  });

  it('skips a strategy a kernel does not offer, and refuses bad arguments with the errno', async () => {
    const skip = await sweepHere({ seeds: '1', strategies: 'hot-swap,per-task', steps: 'simplefs@1.1.0' });
    expect(skip.text).toMatch(/^sweep: 2 runs, 2 rows /m);
    expect(skip.text).toMatch(/^ {2}skipped, not offered by modules \(it offers module, per-task, stop-machine\): hot-swap$/m);
    expect(skip.text).toMatch(/^ {2}skipped, not offered by objects \(it offers hot-swap\): per-task$/m);
    for (const [o, message] of [
      [{ strategies: 'fast' }, /^EINVAL: no kernel of the sweep offers strategy fast/],
      [{ kernels: 'both' }, /^EINVAL: --kernels must be some of modules, objects, got 'both'/],
      [{ steps: 'simplefs@1.1.0 --now' }, /^EINVAL: step 'simplefs@1\.1\.0 --now': unknown flag --now/],
      [{ by: 'kernel,colour' }, /^EINVAL: --by must be some of seed, cpus, threads, kernel, strategy, step, got 'colour'/],
      [{ from: [join(dir, 'none.json')] }, /^ENOENT: cannot read sweep rows/],
      [{ from: [join(dir, 'p1.json')], seeds: '3' }, /^EINVAL: --from reads rows of sweeps already run: --seeds would not apply/],
    ] as const) {
      await expect(sweepHere(o), JSON.stringify(o)).rejects.toSatisfy((e: { describe?: () => string }) => message.test(e.describe?.() ?? String(e)));
    }
  });
});
