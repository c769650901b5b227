// Speed of the two kernels on the wall clock: the procedural kernel and the
// object twin, each booted with the newest versions that `compare` updates
// to, simplefs mounted, run the verifying workload in one process, in
// alternating windows of simulated time after a warm-up, so that noise from
// the machine hits both alike. Prints µs (wall) per workload syscall for
// each and their ratio (procedural / objects) at 4, 16 and 64 threads.
// `npm run bench:speed -- [rounds] [window]` sets the rounds and the cycles
// of one window.

import semver from 'semver';
import type { Executive } from '../exec/executive.js';
import { bootMounted, COMPARE_BOOT, COMPARE_STEPS, type KernelKind } from '../compare/compare.js';
import { Workload } from '../user/workload.js';
import { alternate, fmt, median, quartiles } from '../compare/timing.js';

export const SPEED_THREADS = [4, 16, 64] as const;

/** The newest `name@version` of each module that compare boots with or updates to. */
export function newestCompareVersions(): string[] {
  const newest = new Map<string, string>();
  const specs = [...COMPARE_BOOT, ...COMPARE_STEPS.filter((s) => !s.spec.startsWith('revert ')).flatMap((s) => s.spec.split(/\s+/))];
  for (const spec of specs) {
    const [name, version] = spec.split('@') as [string, string];
    const had = newest.get(name);
    if (had === undefined || semver.gt(version, had)) newest.set(name, version);
  }
  return [...newest].map(([name, version]) => `${name}@${version}`);
}

export interface SpeedRow {
  readonly threads: number;
  /** Median µs of wall time per workload syscall. */
  readonly procedural: number;
  readonly objects: number;
  /** Median over rounds of procedural / objects, each round's two windows side by side, with quartiles. */
  readonly ratio: readonly [number, number, number];
  /** Workload syscalls per window (medians). */
  readonly syscalls: { procedural: number; objects: number };
}

/** Cycles each machine runs before it is measured. */
export const SPEED_WARMUP = 3_000_000;

/** A machine of this benchmark: `kind` booted with the newest compare versions, simplefs mounted, the workload started with `threads` threads. */
export async function speedMachine(kind: KernelKind, threads: number, boot: readonly string[] = newestCompareVersions()): Promise<{ k: Executive; w: Workload }> {
  const { k } = await bootMounted(kind, boot, { seed: 1, cpus: 4 });
  const w = new Workload(k, { threads, files: 8, maxSize: 4096, think: 4000, seed: 1 });
  w.start();
  return { k, w };
}

/** µs per workload syscall of one window of `cycles` on `m`, and the syscalls it made. */
function window(m: { k: Executive; w: Workload }, cycles: number, syscalls: number[]): number {
  const before = m.k.stats.syscalls;
  const t0 = process.hrtime.bigint();
  m.k.run(cycles);
  const us = Number(process.hrtime.bigint() - t0) / 1e3;
  if (m.w.failed > 0) throw new Error(`workload failed: ${m.w.failures[0]}`);
  const n = m.k.stats.syscalls - before;
  syscalls.push(n);
  return us / n;
}

export async function speedBench(rounds = 11, cycles = 1_000_000, warmup = SPEED_WARMUP): Promise<SpeedRow[]> {
  const boot = newestCompareVersions();
  const rows: SpeedRow[] = [];
  for (const threads of SPEED_THREADS) {
    const p = await speedMachine('modules', threads, boot);
    const o = await speedMachine('objects', threads, boot);
    p.k.run(warmup);
    o.k.run(warmup);
    const n = { procedural: [] as number[], objects: [] as number[] };
    const r = alternate(rounds, () => window(p, cycles, n.procedural), () => window(o, cycles, n.objects));
    const ratio = quartiles(r.a.map((a, i) => a / r.b[i]!));
    rows.push({ threads, procedural: median(r.a), objects: median(r.b), ratio, syscalls: { procedural: median(n.procedural), objects: median(n.objects) } });
    // No w.stop(): the machines are simply dropped.
  }
  return rows;
}

export function printSpeedBench(rows: readonly SpeedRow[], rounds: number, cycles: number): void {
  console.log(`speed: µs (wall) per workload syscall, ${newestCompareVersions().join(' ')}, 4 CPUs, median of ${rounds} alternated windows of ${fmt(cycles)} cycles after a warm-up`);
  console.log('  threads  procedural  objects  ratio (quartiles)     syscalls/window p/o');
  for (const r of rows) {
    console.log(
      `  ${String(r.threads).padStart(7)}  ${fmt(r.procedural, 2).padStart(10)}  ${fmt(r.objects, 2).padStart(7)}  ${r.ratio[1].toFixed(2)} (${r.ratio[0].toFixed(2)}..${r.ratio[2].toFixed(2)})`.padEnd(58) +
        `${fmt(r.syscalls.procedural)}/${fmt(r.syscalls.objects)}`,
    );
  }
  console.log('  target: ratio <= 1.15 at each thread count');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 11);
  const cycles = Number(process.argv[3] ?? 1_000_000);
  printSpeedBench(await speedBench(rounds, cycles), rounds, cycles);
}
