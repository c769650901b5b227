// How much faster a sweep runs on worker threads: the same `livemod sweep`
// (the built command, as a user runs it, each in a fresh process) on one
// worker and on two, alternately, with the wall time of each and the ratio;
// and a check that both gave the same rows but for the wall-clock columns.
// `npm run bench:sweep [-- SEEDS [ROUNDS]]` (default seeds 1..48 and one
// round: 96 runs, about 17 s on one worker on the development machine).
// Figures are wall-clock: on a machine busy with other work, two workers
// gain little, so each line also says how many cores the sweep kept busy
// (its CPU time over its wall time, from /proc on Linux) and the load
// average before it.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, median } from '../compare/timing.js';
import { readRowsJson, withoutWall } from '../sweep/rows.js';

const BIN = resolve(import.meta.dirname, '..', 'cli', 'main.js');
const seeds = process.argv[2] ?? '1..48';
const rounds = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'livemod-bench-sweep-'));

/** CPU seconds of the child processes waited for so far (cutime + cstime in /proc/self/stat, at 100 ticks a second); null off Linux. */
function childCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

/** Run the sweep on `workers` threads; its wall time in seconds, the cores it kept busy, and its rows. */
function run(workers: number, round: number) {
  const file = join(dir, `w${workers}-${round}.json`);
  const args = [BIN, 'sweep', '--seeds', seeds, '--workers', String(workers), '--json', file];
  const [t0, cpu0] = [performance.now(), childCpuSeconds()];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const [s, cpu1] = [(performance.now() - t0) / 1000, childCpuSeconds()];
  if (r.status !== 0) throw new Error(`livemod ${args.slice(1).join(' ')} failed: ${r.stderr}`);
  return { s, cores: cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) / s, rows: readRowsJson(file) };
}

console.log(`sweep speed-up: livemod sweep --seeds ${seeds} --workers 1 | 2 --json FILE, ${rounds} round(s), alternating`);
const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
let reference: string | null = null;
let same = true;
for (let i = 0; i < rounds; i++) {
  for (const w of (i % 2 === 0 ? [1, 2] : [2, 1]) as (1 | 2)[]) {
    const load = loadavg()[0]!;
    const { s, cores, rows } = run(w, i);
    times[w].push(s);
    const text = JSON.stringify(rows.map(withoutWall));
    reference ??= text;
    same &&= text === reference;
    console.log(`  round ${i + 1}, ${w} worker(s): ${fmt(s, 1)} s, ${cores === null ? '' : `${fmt(cores, 2)} cores busy, `}${rows.length} rows (load average before: ${fmt(load, 2)})`);
  }
}
const [one, two] = [median(times[1]), median(times[2])];
console.log(`median: 1 worker ${fmt(one, 1)} s, 2 workers ${fmt(two, 1)} s: ${fmt(one / two, 2)}x faster; rows the same but for wall time: ${same ? 'yes' : 'NO'}`);
if (!same) process.exitCode = 1;
