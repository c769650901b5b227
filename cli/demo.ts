// `livemod demo`, the main job: boot the default machine with the first
// versions of the modules, start the verifying workload, apply every update
// in the module histories live (each strategy, a state change, a record
// layout change, reverts, a stop-machine attempt under full load, which may
// have to roll back, an interface change through an adaptor, a per-record
// field added through a shadow variable, a grouped update with lazy
// migration, a change whose safety depends on quiescence, and a change the
// plan must refuse), then stop the workload, check every byte it wrote, and
// print a report. It fails if any operation failed or any byte was lost. It drives the machine through
// the experiment API (api/), and its result is a document (schema
// livemod.demo/1) that `--json` prints and the report's table is made from.

import { type ErrorData, errorData, type UpdateData, type WorkloadReport } from '../api/data.js';
import { boot, type BootOptions, type PendingUpdate } from '../api/testbed.js';
import type { MachineConfig } from '../hw/machine.js';
import type { Kernel } from '../kernel/kernel.js';
import { shadowCounts } from '../kernel/shadow.js';
import type { Strategy } from '../updater/plan.js';
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
  readonly after?: (k: Kernel) => string;
  /** What to show of the machine as it was just before the step (printed before `after`). */
  readonly before?: (k: Kernel) => string;
}

const adaptorLine = (k: Kernel): string => {
  const slot = k.symbols.get('blk_submit@1');
  if (!slot) return '      blk_submit@1 has no importer left: its adaptor is gone, simplefs calls blk_submit@2 directly';
  if (!slot.adaptor) return `      blk_submit@1 is blkdev ${slot.target.version}'s own export again, and simplefs is still bound to the same slot`;
  const users = k.loader.importersOf(slot);
  return `      ${users.join(', ')} import${users.length === 1 ? 's' : ''} blk_submit@1 through blkdev ${slot.target.version}'s adaptor`;
};

const shadowLine = (when: string) => (k: Kernel): string => {
  const n = shadowCounts(k.store.shadows('simplefs')).reduce((sum, [, , c]) => sum + c, 0);
  return `      inodes with a shadow ${when}: ${n} of ${k.store.table('simplefs', 'inodes').size}; inode records at schema ${k.store.schemaOf('simplefs', 'inodes')}`;
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
  { what: 'inode times in a shadow variable: code only, no record migrated', spec: 'simplefs@2.0.1', after: shadowLine('now (each gains one when 2.0.1 creates or writes it)') },
  { what: 'revert it: its downgrade.init frees the shadows (2.1 adds the same times by migration)', spec: 'revert simplefs', before: shadowLine('before the revert'), after: shadowLine('after it') },
  {
    what: 'a group: inode records gain fields (lazily) and the log layout changes',
    spec: 'simplefs@2.1.0 kmsg@2.0.0',
    lazy: true,
    sweep: true,
    after: (k) => `      inodes left to migrate on first access or by the sweep: ${k.store.recordsBehind('simplefs', 'inodes')} of ${k.store.table('simplefs', 'inodes').size}`,
  },
  { what: 'allocate as you write: each run of blocks just before its I/O (code only)', spec: 'simplefs@2.2.0' },
  { what: 'free space as extents (a state change that needs quiescence: writes in flight allocate)', spec: 'simplefs@2.3.0', strategy: 'module' },
  { what: 'a new disk layout set up by init', spec: 'simplefs@3.0.0', refused: true },
];

export const DEMO_SCHEMA = 'livemod.demo/1';
const DEMO_BOOT = ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'];

/** One step of the demo as it went. */
export interface DemoStepData {
  /** 1-based, as the report numbers it. */
  readonly n: number;
  readonly what: string;
  readonly spec: string;
  readonly outcome: 'committed' | 'aborted' | 'refused' | 'skipped';
  /** The step went as the demo expects (a refusal only where one is expected). */
  readonly expected: boolean;
  /** The update's record, unless refused or skipped. */
  readonly update: UpdateData | null;
  /** The refusal or the abort. */
  readonly error: ErrorData | null;
  /** What the step showed afterwards (the adaptor, the records left to migrate). */
  readonly note: string | null;
}

/** The demo's result: what `livemod demo --json` prints. */
export interface DemoReport {
  readonly schema: typeof DEMO_SCHEMA;
  /** Nothing failed or was lost, and every step went as expected. */
  readonly ok: boolean;
  readonly seed: number;
  readonly cpus: number;
  readonly boot: readonly string[];
  readonly steps: readonly DemoStepData[];
  readonly workload: WorkloadReport;
  /** Failed operations plus files whose bytes differ: must be 0. */
  readonly lost: number;
  /** Steps that did not go as expected. */
  readonly unexpected: number;
  /** Inode records still at an older schema at the end. */
  readonly recordsBehind: number;
  readonly running: Readonly<Record<string, string>>;
  readonly trace: string;
}

export interface DemoOptions {
  /** Print the document alone (livemod.demo/1), not the report. */
  readonly json?: boolean;
  /** Told of the kernel once it has booted, before anything runs on it (a tracer attaches here). */
  readonly onBoot?: (k: Kernel) => void;
  /** Signatures required, trusted keys (the demo loads only the catalog's own modules, which count as signed). */
  readonly trust?: DemoTrust;
}

/** The machine's signature options, as the API's boot takes them. */
export type DemoTrust = Pick<BootOptions, 'requireSigned' | 'trustedKeys'>;

const changes = (u: UpdateData) => u.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ');

/** The lines the demo prints as a step ends. */
function stepLines(s: DemoStepData, of: number): string[] {
  const head = `[${s.n}/${of}] ${s.what}:`;
  const u = s.update;
  if (s.outcome === 'skipped') return [`${head} skipped, ${s.note}`];
  if (s.outcome === 'refused' || !u) return [`${head} ${s.spec}: refused by the plan: ${s.error?.text}`];
  const out = s.expected ? [] : [`${head} ${s.spec} was expected to be refused, but the plan accepted it`];
  if (u.outcome === 'committed') out.push(`${head} ${changes(u)} (${u.strategy}) committed after ${u.waitCycles} cycles, paused ${u.pauseWallUs.toFixed(0)} us, ${u.syscallsDuring} syscalls ran meanwhile`);
  else out.push(`${head} ${changes(u)} (${u.strategy}) aborted and rolled back: ${u.error?.errno}: ${u.error?.message.split(';')[0]}`);
  if (s.note !== null) out.push(...s.note.split('\n'));
  return out;
}

/**
 * Run the demo; `progress` gets each step's lines as it ends (nothing when
 * absent). The result is data; demoLines turns it into the report.
 */
export async function runDemo(config: Partial<MachineConfig>, progress: (line: string) => void = () => {}, onBoot?: (k: Kernel) => void, trust: DemoTrust = {}): Promise<DemoReport> {
  const t = await boot({ ...config, ...trust, modules: DEMO_BOOT });
  const k = t.kernel;
  onBoot?.(k);
  t.mount();
  progress(`livemod demo: ${k.machine.cpus.length} CPUs, seed ${k.machine.config.seed}; kmsg 1.0.0, blkdev 1.0.0, simplefs 1.0.0 mounted on /mnt`);
  const w = t.startWorkload({ threads: 4, files: 8 });
  progress(`workload: ${w.config.threads} threads writing and checking files under /mnt`);
  t.advance(300_000);

  const steps: DemoStepData[] = [];
  const end = (s: DemoStepData) => {
    steps.push(s);
    for (const l of stepLines(s, DEMO_STEPS.length)) progress(l);
  };
  for (const [i, step] of DEMO_STEPS.entries()) {
    const base = { n: i + 1, what: step.what, spec: step.spec };
    if (step.unlessRunning) {
      const [name, version] = step.unlessRunning.split('@') as [string, string];
      if (k.loader.require(name).def.version === version) {
        end({ ...base, outcome: 'skipped', expected: true, update: null, error: null, note: `${name} ${version} is already running` });
        continue;
      }
    }
    const opts = { ...(step.strategy ? { strategy: step.strategy } : {}), ...(step.lazy !== undefined ? { lazy: step.lazy } : {}), ...(step.sweep ? { sweep: true } : {}) };
    const before = step.before?.(k);
    let pending: PendingUpdate;
    try {
      pending = await t.startUpdate(step.spec, opts);
    } catch (e) {
      end({ ...base, outcome: 'refused', expected: step.refused === true, update: null, error: errorData(e), note: null });
      continue;
    }
    const u = pending.finish();
    end({ ...base, outcome: u.outcome === 'committed' ? 'committed' : 'aborted', expected: !step.refused, update: u, error: u.error, note: [before, step.after?.(k)].filter((x) => x !== undefined).join('\n') || null });
    t.advance(200_000);
  }

  t.advance(300_000);
  const workload = t.stopWorkload();
  const lost = workload.failed + (workload.verified?.mismatches.length ?? 0);
  const unexpected = steps.filter((s) => !s.expected).length;
  return {
    schema: DEMO_SCHEMA,
    ok: lost === 0 && unexpected === 0,
    seed: k.machine.config.seed,
    cpus: k.machine.cpus.length,
    boot: DEMO_BOOT,
    steps,
    workload,
    lost,
    unexpected,
    recordsBehind: k.store.recordsBehind('simplefs', 'inodes'),
    running: t.versions(),
    trace: k.machine.traceHash(),
  };
}

/** The report after the steps: the table of every update, the workload's verification, what runs now. */
export function demoLines(r: DemoReport): string[] {
  const out: string[] = [];
  const w = r.workload;
  const v = w.verified ?? { files: 0, bytes: 0, mismatches: [] };
  if (r.recordsBehind > 0) out.push(`inodes still at the old schema at the end: ${r.recordsBehind}`);
  out.push('');
  const done = r.steps.flatMap((s) => (s.update ? [s.update] : []));
  const rows: (string | number)[][] = done.map((u) => [
    u.id,
    `${u.kind === 'revert' ? 'revert ' : ''}${u.modules.map((m) => `${m.name} ${m.from}->${m.to}`).join(', ')}`,
    u.strategy,
    u.outcome,
    u.waitCycles,
    u.heldCalls,
    u.stoppedCycles,
    u.pauseWallUs.toFixed(0),
    u.syscallsDuring,
  ]);
  for (const s of r.steps.filter((x) => x.outcome === 'refused')) rows.push(['-', s.spec.replace(/@/g, ' '), '-', 'refused', '-', '-', '-', '-', '-']);
  out.push(...table(['#', 'update', 'strategy', 'outcome', 'wait (cycles)', 'held calls', 'stopped (cycles)', 'pause (us)', 'syscalls during'], rows));
  out.push('');
  out.push(`workload: ${w.ops} operations, ${w.failed} failed; verified ${v.files} files, ${v.bytes} bytes, ${v.mismatches.length} wrong`);
  for (const f of w.failures) out.push(`  failed: ${f}`);
  for (const m of v.mismatches) out.push(`  wrong: ${m}`);
  out.push(`failed or lost operations: ${r.lost}`);
  if (r.unexpected > 0) out.push(`steps that did not go as the demo expects: ${r.unexpected}`);
  out.push(`running now: ${Object.entries(r.running).map(([name, version]) => `${name} ${version}`).join(', ')}; trace ${r.trace}`);
  return out;
}

/** `livemod demo`: the report as text, step by step, or with `json` the document alone. */
export async function demo(config: Partial<MachineConfig>, print: (line: string) => void, opts: DemoOptions = {}): Promise<DemoReport> {
  if (opts.json) {
    const r = await runDemo(config, undefined, opts.onBoot, opts.trust);
    print(JSON.stringify(r, null, 2));
    return r;
  }
  const r = await runDemo(config, print, opts.onBoot, opts.trust);
  for (const l of demoLines(r)) print(l);
  return r;
}
