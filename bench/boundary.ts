// The cost of the boundary and the watchdog on the workload: two procedural
// kernels, the same newest blkdev and simplefs in each, simplefs mounted and
// the verifying workload running. In one the modules come from the catalog
// (compiled with the project, imported: no boundary, no checks); in the
// other the very same compiled files are loaded by path, so they go through
// the boundary (the static check, the sandbox's vm context) and carry the
// watchdog's checks, and every syscall reaches their code through the
// kernel's stubs. Alternating windows of simulated time in one process,
// after a warm-up, so noise from the machine hits both alike. Prints µs
// (wall) per workload syscall for each and the ratio (by path / catalog).
// Then the same for a syscall that does little but run module code: reads
// of a small device (boundary-module.ts), imported vs the same file by
// path, in alternating runs of a user program.
// `npm run bench:boundary -- [rounds] [window]` sets the rounds and the
// cycles of one window.

import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFromPath } from '../catalog/catalog.js';
import { bootMounted } from '../compare/compare.js';
import { alternate, fmt, median, quartiles } from '../compare/timing.js';
import type { Sys } from '../exec/abi.js';
import { type Executive, runProgram } from '../exec/executive.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import device from './boundary-module.js';
import { Workload } from '../user/workload.js';
import { newestCompareVersions } from './speed.js';

const MODULES = join(dirname(fileURLToPath(import.meta.url)), '..', 'modules');

/** The compiled file of `name@version` in this installation (`.js` when built, `.ts` under the test runner). */
export function fileOf(spec: string): string {
  const [name, version] = spec.split('@') as [string, string];
  const js = join(MODULES, name, `${version}.js`);
  return existsSync(js) ? js : join(MODULES, name, `${version}.ts`);
}

export interface BoundaryRow {
  readonly threads: number;
  /** Median µs of wall time per workload syscall. */
  readonly catalog: number;
  readonly byPath: number;
  /** Median over rounds of byPath / catalog, each round's two windows side by side, with quartiles. */
  readonly ratio: readonly [number, number, number];
  readonly syscalls: { catalog: number; byPath: number };
}

export async function machine(boot: readonly string[], threads: number): Promise<{ k: Executive; w: Workload }> {
  const { k } = await bootMounted('modules', boot, { seed: 1, cpus: 4 });
  const w = new Workload(k, { threads, files: 8, maxSize: 4096, think: 4000, seed: 1 });
  w.start();
  return { k, w };
}

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

export async function boundaryBench(rounds = 11, cycles = 1_000_000, warmup = 3_000_000, threads: readonly number[] = [4, 16]): Promise<BoundaryRow[]> {
  const specs = newestCompareVersions();
  const rows: BoundaryRow[] = [];
  for (const n of threads) {
    const c = await machine(specs, n);
    const p = await machine(specs.map(fileOf), n);
    if (!p.k.taint.has('out-of-tree')) throw new Error('the by-path machine did not load its modules by path');
    c.k.run(warmup);
    p.k.run(warmup);
    const calls = { catalog: [] as number[], byPath: [] as number[] };
    const r = alternate(rounds, () => window(c, cycles, calls.catalog), () => window(p, cycles, calls.byPath));
    rows.push({ threads: n, catalog: median(r.a), byPath: median(r.b), ratio: quartiles(r.b.map((b, i) => b / r.a[i]!)), syscalls: { catalog: median(calls.catalog), byPath: median(calls.byPath) } });
  }
  return rows;
}

export interface DeviceRow {
  /** Median µs of wall time per read syscall of /dev/bm. */
  readonly imported: number;
  readonly byPath: number;
  readonly ratio: readonly [number, number, number];
}

/** µs per read of /dev/bm: `reads` reads by one user program. */
function readRun(k: Kernel, reads: number): number {
  const t0 = process.hrtime.bigint();
  runProgram(k, 'bm', function* (sys: Sys) {
    const fd = yield* sys.open('/dev/bm');
    for (let i = 0; i < reads; i++) yield* sys.read(fd, 16);
    yield* sys.close(fd);
  });
  return Number(process.hrtime.bigint() - t0) / 1e3 / reads;
}

export async function deviceBench(rounds = 21, reads = 5_000): Promise<DeviceRow> {
  const imported = bootKernel({ seed: 1, cpus: 1 });
  imported.loader.insmod(device, {}, 'catalog:bm@1.0.0');
  const byPath = bootKernel({ seed: 1, cpus: 1 });
  const here = fileURLToPath(import.meta.url);
  const { def, source } = await loadFromPath(join(dirname(here), `boundary-module${extname(here)}`)); // .js when built

  byPath.loader.insmod(def, {}, source);
  readRun(imported, reads);
  readRun(byPath, reads);
  const r = alternate(rounds, () => readRun(imported, reads), () => readRun(byPath, reads));
  return { imported: median(r.a), byPath: median(r.b), ratio: quartiles(r.b.map((b, i) => b / r.a[i]!)) };
}

export function printDeviceBench(row: DeviceRow, rounds: number, reads: number): void {
  console.log(`boundary, device: µs (wall) per read of /dev/bm (bench/boundary-module.ts), imported vs the same file by path, median of ${rounds} alternated runs of ${fmt(reads)} reads`);
  console.log(`  imported ${fmt(row.imported, 2)}  by path ${fmt(row.byPath, 2)}  ratio ${row.ratio[1].toFixed(3)} (${row.ratio[0].toFixed(3)}..${row.ratio[2].toFixed(3)})`);
}

export function printBoundaryBench(rows: readonly BoundaryRow[], rounds: number, cycles: number): void {
  console.log(`boundary: µs (wall) per workload syscall, ${newestCompareVersions().join(' ')} from the catalog vs the same files by path (sandbox + watchdog checks), 4 CPUs, median of ${rounds} alternated windows of ${fmt(cycles)} cycles after a warm-up`);
  console.log('  threads  catalog  by path  ratio (quartiles)     syscalls/window c/p');
  for (const r of rows) {
    console.log(
      `  ${String(r.threads).padStart(7)}  ${fmt(r.catalog, 2).padStart(7)}  ${fmt(r.byPath, 2).padStart(7)}  ${r.ratio[1].toFixed(3)} (${r.ratio[0].toFixed(3)}..${r.ratio[2].toFixed(3)})`.padEnd(58) +
        `${fmt(r.syscalls.catalog)}/${fmt(r.syscalls.byPath)}`,
    );
  }
  console.log('  target: ratio <= 1.03 (the issue: the boundary and the watchdog cost 3% or less)');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 11);
  const cycles = Number(process.argv[3] ?? 1_000_000);
  printDeviceBench(await deviceBench(), 21, 5_000);
  printBoundaryBench(await boundaryBench(rounds, cycles), rounds, cycles);
}
