// `livemod demo`, the main job: boot the default machine with the first
// versions of the modules, start the verifying workload, apply every update
// in the module histories live (each strategy, a state change, a record
// layout change, reverts, a stop-machine attempt under full load, which may
// have to roll back, an interface change through an adaptor, a grouped
// update with lazy migration, and a change the plan must refuse), then stop
// the workload, check every byte it wrote, and print a report. It fails if
// any operation failed or any byte was lost.

import type { MachineConfig } from '../hw/machine.js';
import { bootWithModules } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import { catalogResolver } from '../catalog/catalog.js';
import { parseUpdateStep, type StartedUpdate, type UpdateRecord } from '../exec/lifecycle.js';
import { describeError } from './format.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Sys } from '../exec/abi.js';
import type { Strategy } from '../updater/plan.js';
import { Updater } from '../updater/updater.js';
import { Workload } from '../user/workload.js';
import { table } from './format.js';

interface Step {
  readonly what: string;
  /** `NAME@VERSION` (several, space-separated, for a group) to update to, or `revert NAME`. */
  readonly spec: string;
  readonly strategy?: Strategy;
  readonly lazy?: boolean;
  readonly sweep?: boolean;
  /** Skip this step when the module already runs this version (after an attempt that committed). */
  readonly unlessRunning?: string;
  /** The plan must refuse this one. */
  readonly refused?: boolean;
  /** What to show after the step. */
  readonly after?: (k: Kernel, u: Updater) => string;
}

const adaptorLine = (k: Kernel): string => {
  const slot = k.symbols.get('blk_submit@1');
  if (!slot) return '      blk_submit@1 has no importer left: its adaptor is gone, simplefs calls blk_submit@2 directly';
  if (!slot.adaptor) return `      blk_submit@1 is blkdev ${slot.target.version}'s own export again, and simplefs is still bound to the same slot`;
  const users = k.loader.importersOf(slot);
  return `      ${users.join(', ')} import${users.length === 1 ? 's' : ''} blk_submit@1 through blkdev ${slot.target.version}'s adaptor`;
};

export const DEMO_STEPS: readonly Step[] = [
  { what: 'code-only performance change', spec: 'blkdev@1.1.0', strategy: 'per-task' },
  { what: 'code-only bug fix, K42 hot-swap', spec: 'simplefs@1.1.0', strategy: 'module' },
  { what: 'record layout change, machine stopped', spec: 'kmsg@2.0.0', strategy: 'stop-machine' },
  { what: 'state schema change (hashed directories)', spec: 'simplefs@1.2.0' },
  { what: 'revert the state change', spec: 'revert simplefs' },
  { what: 'stop-machine under full I/O load', spec: 'simplefs@1.2.0', strategy: 'stop-machine' },
  { what: 'the same with the module gate, which waits', spec: 'simplefs@1.2.0', strategy: 'module', unlessRunning: 'simplefs@1.2.0' },
  { what: 'revert the record layout change', spec: 'revert kmsg' },
  { what: 'interface change (multi-sector blk_submit@2)', spec: 'blkdev@2.0.0', after: adaptorLine },
  { what: 'the caller moves to the new interface', spec: 'simplefs@2.0.0', after: adaptorLine },
  { what: 'the caller goes back: the update makes the adaptor again', spec: 'revert simplefs', after: adaptorLine },
  { what: 'the callee goes back too', spec: 'revert blkdev', after: adaptorLine },
  { what: 'callee and caller change the interface together, as one group', spec: 'blkdev@2.0.0 simplefs@2.0.0', after: adaptorLine },
  {
    what: 'a group: inode records gain fields (lazily) and the log layout changes',
    spec: 'simplefs@2.1.0 kmsg@2.0.0',
    lazy: true,
    sweep: true,
    after: (k, u) => `      inodes left to migrate on first access or by the sweep: ${u.k.store.recordsBehind('simplefs', 'inodes')} of ${k.store.table('simplefs', 'inodes').size}`,
  },
  { what: 'a new disk layout set up by init', spec: 'simplefs@3.0.0', refused: true },
];

export interface DemoResult {
  readonly ok: boolean;
  readonly records: readonly UpdateRecord[];
  /** Specs the plan refused (the demo expects exactly its `refused` steps). */
  readonly refused: readonly string[];
}

export interface DemoOptions {
  /** Told of the kernel once it has booted, before anything runs on it (a tracer attaches here). */
  readonly onBoot?: (k: Kernel) => void;
}

export async function demo(config: Partial<MachineConfig>, print: (line: string) => void, opts: DemoOptions = {}): Promise<DemoResult> {
  const k = await bootWithModules(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'], config);
  opts.onBoot?.(k);
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  const u = new Updater(k, catalogResolver);
  const w = new Workload(k, { threads: 4, files: 8, seed: k.machine.config.seed });
  print(`livemod demo: ${k.machine.cpus.length} CPUs, seed ${k.machine.config.seed}; kmsg 1.0.0, blkdev 1.0.0, simplefs 1.0.0 mounted on /mnt`);
  w.start();
  print(`workload: ${w.config.threads} threads writing and checking files under /mnt`);
  k.run(300_000);

  const done: UpdateRecord[] = [];
  const refusals: string[] = [];
  let unexpected = 0;
  for (const [i, step] of DEMO_STEPS.entries()) {
    const head = `[${i + 1}/${DEMO_STEPS.length}] ${step.what}:`;
    if (step.unlessRunning) {
      const [name, version] = step.unlessRunning.split('@') as [string, string];
      if (k.loader.require(name).def.version === version) {
        print(`${head} skipped, ${name} ${version} is already running`);
        continue;
      }
    }
    const opts = { ...(step.strategy ? { strategy: step.strategy } : {}), ...(step.lazy !== undefined ? { lazy: step.lazy } : {}), ...(step.sweep ? { sweep: true } : {}) };
    let started: StartedUpdate;
    try {
      started = await u.request(parseUpdateStep(step.spec), opts);
    } catch (e) {
      print(`${head} ${step.spec}: refused by the plan: ${describeError(e)}`);
      refusals.push(step.spec);
      if (!step.refused) unexpected++;
      continue;
    }
    if (step.refused) {
      unexpected++;
      print(`${head} ${step.spec} was expected to be refused, but the plan accepted it`);
    }
    const { record, thread } = started;
    k.runThread(thread, Number.MAX_SAFE_INTEGER);
    done.push(record);
    const mods = record.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ');
    if (record.outcome === 'committed') {
      print(`${head} ${mods} (${record.strategy}) committed after ${record.waitCycles} cycles, paused ${record.pauseWallUs.toFixed(0)} us, ${record.syscallsDuring} syscalls ran meanwhile`);
    } else {
      print(`${head} ${mods} (${record.strategy}) aborted and rolled back: ${record.error?.errno}: ${record.error?.message.split(';')[0]}`);
    }
    if (step.after) print(step.after(k, u));
    k.run(200_000);
  }

  k.run(300_000);
  w.stop();
  const report = w.verify();
  if (u.k.store.lazy.pending('simplefs', 'inodes').length > 0 || u.k.store.recordsBehind('simplefs', 'inodes') > 0) {
    print(`inodes still at the old schema at the end: ${u.k.store.recordsBehind('simplefs', 'inodes')}`);
  }
  print('');
  const rows = done.map((r) => [
    r.id,
    `${r.kind === 'revert' ? 'revert ' : ''}${r.modules.map((m) => `${m.name} ${m.from}->${m.to}`).join(', ')}`,
    r.strategy,
    r.outcome,
    r.waitCycles,
    r.heldCalls,
    r.stoppedCycles,
    r.pauseWallUs.toFixed(0),
    r.syscallsDuring,
  ]);
  for (const spec of refusals) rows.push(['-', spec.replace(/@/g, ' '), '-', 'refused', '-', '-', '-', '-', '-']);
  for (const l of table(['#', 'update', 'strategy', 'outcome', 'wait (cycles)', 'held calls', 'stopped (cycles)', 'pause (us)', 'syscalls during'], rows)) print(l);
  print('');
  print(`workload: ${w.ops} operations, ${w.failed} failed; verified ${report.files} files, ${report.bytes} bytes, ${report.mismatches.length} wrong`);
  for (const f of w.failures) print(`  failed: ${f}`);
  for (const m of report.mismatches) print(`  wrong: ${m}`);
  const lost = w.failed + report.mismatches.length;
  print(`failed or lost operations: ${lost}`);
  if (unexpected > 0) print(`steps that did not go as the demo expects: ${unexpected}`);
  print(`running now: ${k.loader.list().map((m) => `${m.name} ${m.def.version}`).join(', ')}; trace ${k.machine.traceHash()}`);
  return { ok: lost === 0 && unexpected === 0, records: done, refused: refusals };
}
