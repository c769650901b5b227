// `livemod compare`: both kernels pass the workload's verification with every
// update applied, the kinds of change come out of real attempts, the table is
// built from the measured result, each update carries its phases and the
// throughput around it, the charts are drawn from them, and a bad --svg path
// is a one-line errno error.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, COMPARE_STEPS, type CompareResult } from '../compare/compare.js';
import { validate } from '../api/schemas.js';
import { type CompareDocument, compareDocument } from '../compare/document.js';
import { writeCompareCharts } from './chart-files.js';
import { compareReport } from './compare.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

describe('livemod compare', () => {
  let result: CompareResult;

  it('runs the same updates on both kernels with nothing failed or lost', async () => {
    const told: string[] = [];
    result = await compare({ seed: 3, cpus: 2, indirectionCalls: 100_000, progress: (done, total, what) => told.push(`${done}/${total} ${what}`) });
    // Progress: each update on both kernels, then the indirection measurement.
    expect(told).toEqual([...COMPARE_STEPS.map((s, i) => `${i}/10 ${s.spec.startsWith('revert') ? '' : 'update '}${s.spec} on both kernels`), "9/10 measuring the indirection's cost per call"]);
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
    const text = compareReport(compareDocument(result)).join('\n');
    const [p, o] = result.kernels;
    expect(text).toContain(`${p.ops}, 0`);
    expect(text).toContain(`${o.ops}, 0`);
    expect(text).toContain(((p.syscalls / p.cycles) * 1e6).toFixed(1));
    expect(text).toContain(result.indirection.objects.extraNs.toFixed(1));
    expect(text).toContain(p.trace);
    for (const [i, s] of o.steps.entries()) if (s.outcome === 'committed') expect(text).toMatch(new RegExp(`^${i + 1} .*${Math.round(s.waitCycles).toLocaleString('en-US')} / `, 'm'));
    expect(text).toMatch(/new disk layout set up by init\s+refused: EINVAL.*refused: EINVAL: FileSystem 2\.1\.0 -> 3\.0\.0/);
  });

  it('prints every figure of its table from its document, which conforms to livemod.compare/2', () => {
    const doc = JSON.parse(JSON.stringify(compareDocument(result))) as CompareDocument;
    expect(validate('livemod.compare/2', doc)).toEqual([]);
    expect(doc.ok).toBe(true);
    const lines = compareReport(doc);
    const row = (label: string) => lines.find((l) => l.startsWith(`${label}  `))!.slice(label.length).trim().split(/\s{2,}/);
    const [p, o] = doc.kernels;
    const n0 = (n: number) => Math.round(n).toLocaleString('en-US');
    expect(row('syscalls per million simulated cycles')).toEqual([p.syscallsPerMillionCycles.toFixed(1), o.syscallsPerMillionCycles.toFixed(1)]);
    expect(p.syscallsPerMillionCycles).toBeCloseTo((p.syscalls / p.cycles) * 1e6, 9);
    expect(row('syscalls per wall-clock second')).toEqual([n0(p.syscallsPerWallSecond), n0(o.syscallsPerWallSecond)]);
    const ind = doc.indirection;
    expect(row('indirection: ns per call (direct call)')).toEqual([`${ind.procedural.viaNs.toFixed(1)} (${ind.procedural.directNs.toFixed(1)})`, `${ind.objects.viaNs.toFixed(1)} (${ind.objects.directNs.toFixed(1)})`]);
    expect(row('indirection: extra ns per call')).toEqual([ind.procedural.extraNs.toFixed(1), ind.objects.extraNs.toFixed(1)]);
    expect(row('workload operations, failed or lost')).toEqual([`${p.ops}, ${p.lost}`, `${o.ops}, ${o.lost}`]);
    expect(row('files and bytes verified')).toEqual([`${p.files}, ${p.bytes}`, `${o.files}, ${o.bytes}`]);
    expect(row('trace')).toEqual([p.trace, o.trace]);
    const cell = (s: (typeof p.steps)[number]) => (s.outcome === 'committed' ? `${n0(s.waitCycles)} / ${n0(s.pauseWallUs)} / ${s.heldCalls} / ${s.authorLines}` : s.outcome);
    p.steps.forEach((s, i) => expect(row(String(i + 1))).toEqual([s.kind, s.spec, cell(s), cell(o.steps[i]!)]));
  });

  it('--json prints the document alone', () => {
    const r = spawnSync(process.execPath, [BIN, '--cpus', '2', '--seed', '3', 'compare', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as CompareDocument;
    expect(validate('livemod.compare/2', doc)).toEqual([]);
    expect(doc.kernels.map((k) => k.trace)).toEqual(result.kernels.map((k) => k.trace)); // the same run as in-process
  });

  it('another seed gives other figures', async () => {
    const other = await compare({ seed: 4, cpus: 2, indirectionCalls: 100_000 });
    expect(other.kernels[0].trace).not.toBe(result.kernels[0].trace);
    expect(other.kernels[1].trace).not.toBe(result.kernels[1].trace);
    expect(other.kernels.map((k) => k.syscalls)).not.toEqual(result.kernels.map((k) => k.syscalls));
  });

  it('records each update\'s strategy, end and phases, and the syscalls returned in fine windows from before its start to after its end', () => {
    const doc = compareDocument(result);
    expect(doc.fineWindow).toBe(2_000);
    for (const k of doc.kernels) {
      for (const s of k.steps) {
        const end = s.endedAt ?? s.startedAt;
        expect(s.throughput[0]!.from).toBe(s.startedAt - 20_000);
        expect(s.throughput.at(-1)!.to).toBeGreaterThanOrEqual(end + 20_000);
        s.throughput.forEach((w, i) => {
          expect(w.to - w.from).toBe(2_000);
          if (i > 0) expect(w.from).toBe(s.throughput[i - 1]!.to);
        });
        if (s.outcome === 'refused') {
          expect([s.strategy, s.endedAt, s.phases]).toEqual([null, null, []]);
          continue;
        }
        expect(s.strategy).toMatch(k.name === 'objects' ? /^hot-swap$/ : /^(module|per-task)$/);
        expect(s.phases.at(-1)).toMatchObject({ phase: 'commit', at: s.endedAt });
      }
      // The workload never stops: around every update some syscalls returned.
      expect(k.steps.every((s) => s.throughput.some((w) => w.syscalls > 0))).toBe(true);
    }
  });

  it('draws throughput around each update, a panel per update and kernel with its outcome, and a Gantt chart with a bar per phase', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livemod-compare-'));
    const line = await writeCompareCharts(compareDocument(result), join(dir, 'c.svg'));
    expect(line).toContain(join(dir, 'c-gantt.svg'));
    for (const f of ['c.svg', 'c.vl.json', 'c-gantt.svg', 'c-gantt.vl.json']) expect(existsSync(join(dir, f))).toBe(true);
    const [p, o] = result.kernels;
    const svg = readFileSync(join(dir, 'c.svg'), 'utf8');
    p.steps.forEach((s, i) => {
      expect(svg).toContain(`${i + 1} ${s.spec} (${s.kind}), procedural`);
      expect(svg).toContain(`${i + 1} ${s.spec} (${s.kind}), objects`);
    });
    expect(svg).toContain(`committed (hot-swap) after ${o.steps[0]!.waitCycles.toLocaleString('en-US')} cycles`);
    expect(svg.match(/>refused by the plan \(EINVAL\): nothing ran</g)).toHaveLength(2); // the panels' second title lines
    const gantt = readFileSync(join(dir, 'c-gantt.svg'), 'utf8');
    const phases = result.kernels.flatMap((k) => k.steps.flatMap((s) => s.phases.filter((ph) => ph.cycles > 0)));
    expect(gantt.match(/aria-roledescription="bar"/g)).toHaveLength(phases.length);
    expect(gantt.match(/phase: block;/g)).toHaveLength(phases.filter((ph) => ph.phase === 'block').length);
    expect(gantt).not.toMatch(/NaN|Infinity/);
  });

  it('chart compare draws the same charts from a document on file, without running again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'livemod-compare-'));
    writeFileSync(join(dir, 'doc.json'), JSON.stringify(compareDocument(result)));
    const r = spawnSync(process.execPath, [BIN, 'chart', 'compare', join(dir, 'doc.json'), '--svg', join(dir, 'again.svg')], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^charts written: .*again\.svg .*again-gantt\.svg .*again\.vl\.json, .*again-gantt\.vl\.json\n$/);
    const spec = JSON.parse(readFileSync(join(dir, 'again-gantt.vl.json'), 'utf8')) as { data: { values: { phase?: string }[] } };
    expect(spec.data.values.filter((v) => v.phase === 'block').length).toBe(result.kernels.flatMap((k) => k.steps.flatMap((s) => s.phases)).filter((p) => p.phase === 'block').length);
  });

  it('names the errno when the SVG cannot be written, without a stack', () => {
    const r = spawnSync(process.execPath, [BIN, '--cpus', '2', 'compare', '--svg', '/no/such/dir/chart.svg'], { encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('livemod: ENOENT: cannot write /no/such/dir/chart.svg: no directory /no/such/dir (create the directory or give another path)');
    expect(r.stdout).toBe(''); // refused before the run
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
