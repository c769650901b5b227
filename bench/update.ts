// Update benchmarks:
// - pause: wall time of the atomic section (transfer and switch; for
//   stop-machine, the whole stop), per strategy, for a code-only update and
//   for state-transfer updates; warm (after a few updates ran), median of
//   repeated runs on fresh machines. Target: <= 200 us for code-only.
// - the machine during an update: how many workload syscalls completed while
//   the update was in progress, against how many complete in the same number
//   of cycles without an update.
// - stub cost after updates: workload syscalls per second on a machine that
//   went through updates against one booted directly with the same versions,
//   alternated in one run. Target: the same within noise.

import { bootWithModules } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import { loadModuleDef } from '../catalog/catalog.js';
import type { Sys } from '../exec/abi.js';
import type { Strategy } from '../updater/plan.js';
import { Updater } from '../updater/updater.js';
import { Workload } from '../user/workload.js';
import { alternate, fmt, median, timeMs } from '../compare/timing.js';

interface Case {
  readonly label: string;
  readonly boot: readonly string[];
  readonly spec: string;
  readonly strategies: readonly Strategy[];
}

const CASES: readonly Case[] = [
  { label: 'code only: simplefs 1.0 -> 1.1', boot: ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'], spec: 'simplefs@1.1.0', strategies: ['per-task', 'module', 'stop-machine'] },
  { label: 'state: simplefs 1.1 -> 1.2 (dirs)', boot: ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0'], spec: 'simplefs@1.2.0', strategies: ['module', 'stop-machine'] },
  { label: 'records: kmsg 1.0 -> 2.0 (1024 recs)', boot: ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'], spec: 'kmsg@2.0.0', strategies: ['module', 'stop-machine'] },
];

async function loadedMachine(boot: readonly string[], seed: number, think: number) {
  const k = await bootWithModules(boot, { seed, cpus: 4 });
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  for (let i = 0; i < 1100; i++) k.printk(`filler ${i}`); // a full kmsg ring
  const w = new Workload(k, { threads: 4, files: 8, seed, think });
  w.start();
  k.run(300_000);
  return { k, w, u: new Updater(k) };
}

export interface PauseRow {
  readonly label: string;
  readonly strategy: Strategy;
  readonly pauseUs: number;
  readonly committed: number;
  readonly runs: number;
  readonly syscallsDuring: number;
  readonly cyclesDuring: number;
  readonly syscallsSameCyclesIdle: number;
  /** Cycles every CPU stood stopped (stop-machine). */
  readonly stoppedCycles: number;
}

export async function pauseBench(runs = 9): Promise<PauseRow[]> {
  const rows: PauseRow[] = [];
  for (const c of CASES) {
    const v = await loadModuleDef(c.spec);
    for (const strategy of c.strategies) {
      const pauses: number[] = [];
      const during: number[] = [];
      const cycles: number[] = [];
      const baseline: number[] = [];
      const stopped: number[] = [];
      let committed = 0;
      for (let i = 0; i < runs + 2; i++) {
        // stop-machine needs quiet moments (the module gate would wait for one): a lighter workload for it
        const { k, u, w } = await loadedMachine(c.boot, 100 + i, strategy === 'stop-machine' ? 60_000 : 4_000);
        const { record, thread } = u.start([v], { strategy });
        k.runThread(thread, Number.MAX_SAFE_INTEGER);
        if (w.failed > 0) throw new Error(`workload failed during ${c.spec}`);
        if (i < 2 || record.outcome !== 'committed') continue; // warm-up, and aborts have no pause
        committed++;
        pauses.push(record.pauseWallUs);
        during.push(record.syscallsDuring);
        stopped.push(record.stoppedCycles);
        const span = (record.endedAt ?? k.now) - record.startedAt;
        cycles.push(span);
        // The same number of cycles right after, with no update going on.
        const s0 = k.stats.syscalls;
        k.run(Math.max(span, 1));
        baseline.push(k.stats.syscalls - s0);
      }
      rows.push({
        label: c.label,
        strategy,
        pauseUs: median(pauses),
        committed,
        runs,
        syscallsDuring: median(during),
        cyclesDuring: median(cycles),
        syscallsSameCyclesIdle: median(baseline),
        stoppedCycles: median(stopped),
      });
    }
  }
  return rows;
}

export function printPauseBench(rows: readonly PauseRow[]): void {
  console.log('update pause and the machine during the update (median over fresh machines, warm)');
  console.log(`  ${'update'.padEnd(38)} ${'strategy'.padEnd(13)} ${'pause us'.padStart(9)}  ${'committed'.padStart(9)}  ${'update cycles'.padStart(13)}  ${'stopped cycles'.padStart(14)}  syscalls during / same cycles without update`);
  for (const r of rows) {
    console.log(`  ${r.label.padEnd(38)} ${r.strategy.padEnd(13)} ${fmt(r.pauseUs, 1).padStart(9)}  ${`${r.committed}/${r.runs}`.padStart(9)}  ${fmt(r.cyclesDuring).padStart(13)}  ${fmt(r.stoppedCycles).padStart(14)}  ${r.syscallsDuring} / ${r.syscallsSameCyclesIdle}`);
  }
  console.log('  target: code-only pause <= 200 us');
}

const FINAL = ['kmsg@2.0.0', 'blkdev@1.1.0', 'simplefs@1.2.0'];
const AFTER_CYCLES = 3_000_000;

/** Syscalls/s of the workload: machine updated live to FINAL vs booted with FINAL. */
export async function afterUpdateBench(rounds = 7): Promise<{ updated: number; fresh: number; ratio: number }> {
  const prepare = async (updated: boolean) => {
    const boot = updated ? ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'] : FINAL;
    const { k, w, u } = await loadedMachine(boot, 7, 4_000);
    if (updated) {
      for (const spec of ['blkdev@1.1.0', 'simplefs@1.1.0', 'simplefs@1.2.0', 'kmsg@2.0.0']) u.run([await loadModuleDef(spec)]);
      const running = k.loader.list().map((m) => `${m.name}@${m.def.version}`).sort();
      if (running.join() !== [...FINAL].sort().join()) throw new Error(`not at the final versions: ${running.join()}`);
    }
    return { k, w };
  };
  const machines = { updated: [] as Awaited<ReturnType<typeof prepare>>[], fresh: [] as Awaited<ReturnType<typeof prepare>>[] };
  for (let i = 0; i < rounds + 1; i++) {
    machines.updated.push(await prepare(true));
    machines.fresh.push(await prepare(false));
  }
  const measure = (which: 'updated' | 'fresh') => (): number => {
    const { k, w } = machines[which].shift()!;
    const s0 = k.stats.syscalls;
    const ms = timeMs(() => k.run(AFTER_CYCLES));
    if (w.failed > 0) throw new Error(`workload failed on the ${which} machine`);
    return (k.stats.syscalls - s0) / (ms / 1000);
  };
  const r = alternate(rounds, measure('updated'), measure('fresh'));
  return { updated: median(r.a), fresh: median(r.b), ratio: median(r.a) / median(r.b) };
}

export function printAfterUpdateBench(r: Awaited<ReturnType<typeof afterUpdateBench>>): void {
  console.log(`stub cost after updates (workload, ${fmt(AFTER_CYCLES)} cycles, median of alternated runs)`);
  console.log(`  updated live to ${FINAL.join(', ')}: ${fmt(r.updated)} syscalls/s`);
  console.log(`  booted with the same versions:        ${fmt(r.fresh)} syscalls/s`);
  console.log(`  ratio updated/fresh: ${fmt(r.ratio, 3)} (target: 1 within noise)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printPauseBench(await pauseBench());
  console.log('');
  printAfterUpdateBench(await afterUpdateBench());
}
