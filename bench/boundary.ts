// The cost of the boundary and the watchdog on the workload: procedural
// kernels with the same newest blkdev and simplefs, simplefs mounted and the
// verifying workload running. In `catalog` the modules come from the
// histories (compiled with the project, imported: no boundary, no checks);
// in `sandbox` the very same compiled files are loaded by path without the
// watchdog's checks (the boundary alone: the static check and the vm
// context); in `path` they are loaded by path as a user's module is (the
// boundary and the checks). Every syscall reaches their code through the
// kernel's stubs. Alternating windows of simulated time in one process,
// after a warm-up, each round in a rotated order, so noise from the machine
// hits all alike. Prints µs of CPU time (not wall time, which waits for a
// core on a shared machine) per workload syscall for each and the ratios
// to `catalog`. Then
// the same for a syscall that does little but run module code: reads of a
// small device (boundary-module.ts), imported against the same file by
// path. `npm run bench:boundary -- [rounds] [window]` sets the rounds and
// the cycles of one window; bench/boundary-instructions.ts counts
// instructions instead, which a busy machine does not disturb.

import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFromCatalog, loadFromPath } from '../catalog/catalog.js';
import { fmt, median, quartiles } from '../compare/timing.js';
import type { Sys } from '../exec/abi.js';
import { type Executive, runProgram } from '../exec/executive.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import { Workload } from '../user/workload.js';
import device from './boundary-module.js';
import { behindMembrane } from './membrane-experiment.js';
import { newestCompareVersions } from './speed.js';

export const BOUNDARY_MODES = ['catalog', 'sandbox', 'path'] as const;
export type BoundaryMode = (typeof BOUNDARY_MODES)[number];
/** The modes and the membrane experiment (bench/membrane-experiment.ts: by path, behind a membrane), which only the instruction count runs. */
export const EXPERIMENT_MODES = [...BOUNDARY_MODES, 'membrane'] as const;
export type ExperimentMode = (typeof EXPERIMENT_MODES)[number];

const HERE = fileURLToPath(import.meta.url);
const MODULES = join(dirname(HERE), '..', 'modules');

/** The compiled file of `name@version` in this installation (`.js` when built, `.ts` under the test runner). */
function fileOf(spec: string): string {
  const [name, version] = spec.split('@') as [string, string];
  const js = join(MODULES, name, `${version}.js`);
  return existsSync(js) ? js : join(MODULES, name, `${version}.ts`);
}

/** A kernel with `specs` loaded as `mode` says, simplefs mounted on /mnt. */
async function bootAs(mode: ExperimentMode, specs: readonly string[]): Promise<Kernel> {
  const k = bootKernel({ seed: 1, cpus: 4 });
  for (const spec of specs) {
    const { def, source } = mode === 'catalog' ? await loadFromCatalog(spec) : await loadFromPath(fileOf(spec), undefined, { watchdog: mode !== 'sandbox' });
    k.loader.insmod(mode === 'membrane' ? behindMembrane(def) : def, {}, source);
  }
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return k;
}

/** The workload machine of `mode` with `threads` workload threads, started. */
export async function machine(mode: ExperimentMode, threads: number): Promise<{ k: Executive; w: Workload }> {
  const k = await bootAs(mode, newestCompareVersions());
  if (!(k as Kernel).loader.list().every((m) => m.source.startsWith('catalog:') === (mode === 'catalog'))) throw new Error(`the ${mode} machine did not load its modules as it should`);
  const w = new Workload(k, { threads, files: 8, maxSize: 4096, think: 4000, seed: 1 });
  w.start();
  return { k, w };
}

/**
 * CPU time of this process in µs (user and system): on a shared machine it
 * leaves out the time the process waited for a core, which wall time does
 * not, so it scatters less. It counts V8's own threads (GC) too.
 */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function window(m: { k: Executive; w: Workload }, cycles: number, syscalls: number[]): number {
  const before = m.k.stats.syscalls;
  const t0 = cpuUs();
  m.k.run(cycles);
  const us = cpuUs() - t0;
  if (m.w.failed > 0) throw new Error(`workload failed: ${m.w.failures[0]}`);
  const n = m.k.stats.syscalls - before;
  syscalls.push(n);
  return us / n;
}

export interface BoundaryRow {
  readonly threads: number;
  /** Median µs of CPU time per workload syscall, by mode. */
  readonly us: Readonly<Record<BoundaryMode, number>>;
  /** Median over rounds of each mode / catalog, windows of one round side by side, with quartiles. */
  readonly sandbox: readonly [number, number, number];
  readonly path: readonly [number, number, number];
  /** Workload syscalls per window (the same in every mode: the machine is deterministic). */
  readonly syscalls: number;
}

export async function boundaryBench(rounds = 11, cycles = 1_000_000, warmup = 3_000_000, threads: readonly number[] = [4, 16]): Promise<BoundaryRow[]> {
  const rows: BoundaryRow[] = [];
  for (const n of threads) {
    const c = await machine('catalog', n);
    const s = await machine('sandbox', n);
    const p = await machine('path', n);
    for (const m of [c, s, p]) m.k.run(warmup);
    const calls: number[] = [];
    const [cs, ss, ps] = rotate(rounds, [() => window(c, cycles, calls), () => window(s, cycles, []), () => window(p, cycles, [])]) as [number[], number[], number[]];
    rows.push({
      threads: n,
      us: { catalog: median(cs), sandbox: median(ss), path: median(ps) },
      sandbox: quartiles(ss.map((x, i) => x / cs[i]!)),
      path: quartiles(ps.map((x, i) => x / cs[i]!)),
      syscalls: median(calls),
    });
  }
  return rows;
}

export interface DeviceRow {
  /** Median µs of CPU time per read syscall of /dev/bm: imported, by path without checks, by path. */
  readonly us: Readonly<Record<BoundaryMode, number>>;
  readonly sandbox: readonly [number, number, number];
  readonly path: readonly [number, number, number];
}

/** µs per read of /dev/bm: `reads` reads by one user program. */
function readRun(k: Kernel, reads: number): number {
  const t0 = cpuUs();
  runProgram(k, 'bm', function* (sys: Sys) {
    const fd = yield* sys.open('/dev/bm');
    for (let i = 0; i < reads; i++) yield* sys.read(fd, 16);
    yield* sys.close(fd);
  });
  return (cpuUs() - t0) / reads;
}

/** Run `fns` `rounds` times each, a round in an order that rotates from round to round (after one warm-up each); every figure, by fn. */
function rotate(rounds: number, fns: readonly (() => number)[]): number[][] {
  for (const f of fns) f();
  const out = fns.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) for (let j = 0; j < fns.length; j++) out[(i + j) % fns.length]!.push(fns[(i + j) % fns.length]!());
  return out;
}

/** The compiled file of boundary-module.ts (`.js` when built, `.ts` under the test runner). */
export function deviceFile(): string {
  return join(dirname(HERE), `boundary-module${extname(HERE)}`);
}

export async function deviceBench(rounds = 21, reads = 5_000): Promise<DeviceRow> {
  const file = deviceFile();
  const kernels: Kernel[] = [];
  for (const mode of BOUNDARY_MODES) {
    const k = bootKernel({ seed: 1, cpus: 1 });
    const { def, source } = mode === 'catalog' ? { def: device, source: 'catalog:bm@1.0.0' } : await loadFromPath(file, undefined, { watchdog: mode === 'path' });
    k.loader.insmod(def, {}, source);
    kernels.push(k);
  }
  const [c, s, p] = rotate(rounds, kernels.map((k) => () => readRun(k, reads))) as [number[], number[], number[]];
  return { us: { catalog: median(c), sandbox: median(s), path: median(p) }, sandbox: quartiles(s.map((x, i) => x / c[i]!)), path: quartiles(p.map((x, i) => x / c[i]!)) };
}

const q = (x: readonly [number, number, number]) => `${x[1].toFixed(3)} (${x[0].toFixed(3)}..${x[2].toFixed(3)})`;

export function printBoundaryBench(rows: readonly BoundaryRow[], rounds: number, cycles: number): void {
  console.log(`boundary: µs (CPU) per workload syscall, ${newestCompareVersions().join(' ')}: from the catalog, by path without the watchdog's checks (sandbox), by path (sandbox + checks); 4 CPUs, median of ${rounds} alternated windows of ${fmt(cycles)} cycles after a warm-up`);
  console.log('  threads  catalog  sandbox     path  sandbox/catalog (quartiles)  path/catalog (quartiles)  syscalls/window');
  for (const r of rows) {
    console.log(`  ${String(r.threads).padStart(7)}  ${fmt(r.us.catalog, 2).padStart(7)}  ${fmt(r.us.sandbox, 2).padStart(7)}  ${fmt(r.us.path, 2).padStart(7)}  ${q(r.sandbox).padEnd(27)}  ${q(r.path).padEnd(24)}  ${fmt(r.syscalls)}`);
  }
  console.log('  target: ratio <= 1.03 (the boundary and the watchdog cost 3% or less)');
}

export function printDeviceBench(row: DeviceRow, rounds: number, reads: number): void {
  console.log(`boundary, device: µs (CPU) per read of /dev/bm (bench/boundary-module.ts): imported, by path without the watchdog's checks (sandbox), by path; median of ${rounds} rotated runs of ${fmt(reads)} reads`);
  console.log(`  imported ${fmt(row.us.catalog, 3)}  sandbox ${fmt(row.us.sandbox, 3)}  by path ${fmt(row.us.path, 3)}  sandbox/imported ${q(row.sandbox)}  path/imported ${q(row.path)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 11);
  const cycles = Number(process.argv[3] ?? 1_000_000);
  printDeviceBench(await deviceBench(), 21, 5_000);
  printBoundaryBench(await boundaryBench(rounds, cycles), rounds, cycles);
}
