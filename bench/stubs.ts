// Stub cost and kernel throughput: the verifying workload's syscalls per
// wall-clock second on the same machine and seed, once with every
// cross-module call through stubs and once with imports bound directly to
// the raw functions, alternated in one run. Target: stubs cost <= 3%.

import { bootWithModules, DEFAULT_MODULES } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import type { Binding } from '../kernel/symbols.js';
import type { Sys } from '../exec/abi.js';
import { Workload } from '../user/workload.js';
import { alternate, fmt, median, quartiles, timeMs } from '../compare/timing.js';

export const STUB_CYCLES = 3_000_000;

export interface ThroughputRun {
  readonly syscalls: number;
  readonly ms: number;
  readonly perSecond: number;
}

/** Boot, mount, start the workload, then time `cycles` of simulated run. */
export async function prepareWorkload(binding: Binding, seed = 1) {
  const k = await bootWithModules(DEFAULT_MODULES, { seed, cpus: 4 }, { binding });
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  const w = new Workload(k, { threads: 4, files: 8, seed });
  w.start();
  return { k, w };
}

export interface StubResult {
  readonly stubs: number;
  readonly direct: number;
  /** Median over rounds of (direct / stubs - 1), each round's two runs side by side. */
  readonly overhead: number;
  /** Quartiles of that per-round overhead: how much the machine's noise moves it. */
  readonly spread: readonly [number, number, number];
  readonly syscalls: number;
}

export async function stubBench(rounds = 15): Promise<StubResult> {
  // Boot both kinds up front (booting is async), then measure synchronously.
  const machines: Record<Binding, Awaited<ReturnType<typeof prepareWorkload>>[]> = { stubs: [], direct: [] };
  for (let i = 0; i < rounds + 1; i++) {
    machines.stubs.push(await prepareWorkload('stubs'));
    machines.direct.push(await prepareWorkload('direct'));
  }
  let syscalls = 0;
  const measure = (b: Binding) => (): number => {
    const { k, w } = machines[b].shift()!;
    const ms = timeMs(() => k.run(STUB_CYCLES));
    if (w.failed > 0) throw new Error(`workload failed under ${b} binding: ${w.failures[0]}`);
    syscalls = k.stats.syscalls;
    return k.stats.syscalls / (ms / 1000);
  };
  const r = alternate(rounds, measure('stubs'), measure('direct'));
  const paired = r.a.map((s, i) => r.b[i]! / s - 1);
  const spread = quartiles(paired);
  return { stubs: median(r.a), direct: median(r.b), overhead: spread[1], spread, syscalls };
}

export function printStubBench(r: StubResult): void {
  console.log(`stub cost (workload, ${fmt(STUB_CYCLES)} cycles, 4 CPUs, ${fmt(r.syscalls)} syscalls per run, median of alternated runs)`);
  console.log(`  stubs:   ${fmt(r.stubs)} syscalls/s   <- whole-kernel throughput baseline`);
  console.log(`  direct:  ${fmt(r.direct)} syscalls/s`);
  console.log(`  stubs cost ${(r.overhead * 100).toFixed(1)}% (median of paired rounds; quartiles ${(r.spread[0] * 100).toFixed(1)}% .. ${(r.spread[2] * 100).toFixed(1)}%) (target <= 3%)`);
}

if (import.meta.url === `file://${process.argv[1]}`) printStubBench(await stubBench());
