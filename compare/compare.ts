// The comparison behind `livemod compare`: the procedural kernel and the
// object twin, booted with the same seed, run the same verifying workload
// and the same sequence of updates at the same simulated times. The two
// machines advance in alternating windows of simulated time, so that noise
// on the wall clock hits both alike. Everything reported is measured here:
// throughput per window, each update's outcome, phases, wait, pause and
// held calls, throughput in fine windows around each update (from the times
// workload syscalls returned, recorded through a hook that changes nothing
// the machine does), the workload's verification, the indirection's cost
// per call and the lines each update's author wrote.

import type { Sys } from '../exec/abi.js';
import type { Executive } from '../exec/executive.js';
import { runProgram } from '../exec/executive.js';
import { isKernelError } from '../exec/errno.js';
import type { MachineConfig } from '../hw/machine.js';
import { bootWithModules } from '../catalog/boot.js';
import { moduleTrust } from '../catalog/trust.js';
import type { ModuleSigOptions } from '../kernel/modsig.js';
import { parseUpdateStep, type PhaseEvent, type UpdateRecord, type UpdateService } from '../exec/lifecycle.js';
import { bootObjectKernel } from '../oo/kernel.js';
import { type ObjectRecord, ObjectUpdater } from '../oo/updater.js';
import { Updater } from '../updater/updater.js';
import { Workload } from '../user/workload.js';
import { classUpdateLines, moduleUpdateLines } from './authorship.js';
import { indirectionCost, type IndirectionCost } from './indirection.js';

export interface CompareStep {
  /** The kind of change, as the paper's revision analysis counts them. */
  readonly kind: string;
  /** `name@version ...`, or `revert name`. */
  readonly spec: string;
  readonly lazy?: boolean;
}

/** The sequence both kernels go through, in order. */
export const COMPARE_STEPS: readonly CompareStep[] = [
  { kind: 'code only: performance', spec: 'blkdev@1.1.0' },
  { kind: 'code only: bug fix', spec: 'simplefs@1.1.0' },
  { kind: 'state change', spec: 'simplefs@1.2.0' },
  { kind: 'interface change, old callers adapted', spec: 'blkdev@2.0.0' },
  { kind: 'callers move to the new interface', spec: 'simplefs@2.0.0' },
  { kind: 'per-instance change, lazy', spec: 'simplefs@2.1.0', lazy: true },
  { kind: 'revert', spec: 'revert simplefs' },
  { kind: 'per-instance change, eager', spec: 'simplefs@2.1.0', lazy: false },
  { kind: 'new disk layout set up by init', spec: 'simplefs@3.0.0' },
];

export type KernelName = 'procedural' | 'objects';

/** Workload syscalls that returned in the simulated interval [from, to). */
export interface FineSample {
  readonly from: number;
  readonly to: number;
  readonly syscalls: number;
}

export interface StepResult {
  readonly kind: string;
  readonly spec: string;
  outcome: 'committed' | 'aborted' | 'refused' | 'running';
  error: string | null;
  /** How it quiesced (`per-task`, `module`, ..., the twin's `hot-swap`); null when refused. */
  strategy: string | null;
  startedAt: number;
  /** When it committed or aborted; null when refused. */
  endedAt: number | null;
  /** Its phases as the update record has them (none when refused). */
  phases: PhaseEvent[];
  /** Throughput in fine windows from before its start to after its end. */
  throughput: FineSample[];
  waitCycles: number;
  pauseWallUs: number;
  heldCalls: number;
  syscallsDuring: number;
  /** Lines the update's author wrote for it (null when the source is not at hand). */
  authorLines: number | null;
}

export interface KernelResult {
  readonly name: KernelName;
  readonly steps: StepResult[];
  /** Workload syscalls completed by the end of each window. */
  readonly samples: { at: number; syscalls: number }[];
  syscalls: number;
  cycles: number;
  wallMs: number;
  ops: number;
  failed: number;
  wrong: number;
  files: number;
  bytes: number;
  failures: string[];
  trace: string;
}

export interface CompareResult {
  readonly seed: number;
  readonly cpus: number;
  readonly window: number;
  readonly fineWindow: number;
  readonly kernels: readonly [KernelResult, KernelResult];
  readonly indirection: Readonly<Record<KernelName, IndirectionCost>>;
}

export interface CompareOptions {
  readonly seed: number;
  readonly cpus: number;
  /** Simulated cycles of one window (a throughput sample). */
  readonly window?: number;
  /** Simulated cycles of one fine window, in the throughput around each update. */
  readonly fineWindow?: number;
  /** Cycles the workload runs between the end of one update and the start of the next. */
  readonly gap?: number;
  /** Calls per round of the indirection measurement. */
  readonly indirectionCalls?: number;
  /** Told of each kernel once it has booted and mounted, before the workload starts (a tracer attaches here). */
  readonly onBoot?: (name: KernelName, k: Executive) => void;
  /** Told what starts now, when `done` of `total` parts are finished (each update step, then the indirection measurement). */
  readonly progress?: (done: number, total: number, what: string) => void;
}

/** One kernel in the comparison: its machine, its updater (the one UpdateService interface) and what it measured. */
interface Side {
  readonly k: Executive;
  readonly updater: UpdateService;
  readonly result: KernelResult;
  /** Simulated times at which workload syscalls returned, in order. */
  readonly returns: number[];
  /** Lines the author of an update wrote for it, by this kernel's kind of source (null when the source is not at hand). */
  authorLines(r: UpdateRecord): number | null;
}

const WORKLOAD = { threads: 4, files: 8, maxSize: 4096, think: 4000 };
const describe = (e: unknown) => (isKernelError(e) ? e.describe() : e instanceof Error ? e.message : String(e));

function emptyResult(name: KernelName): KernelResult {
  return { name, steps: [], samples: [], syscalls: 0, cycles: 0, wallMs: 0, ops: 0, failed: 0, wrong: 0, files: 0, bytes: 0, failures: [], trace: '' };
}

/** Which kernel: the procedural one (modules) or the object twin (objects). */
export type KernelKind = 'modules' | 'objects';

/** What both kernels boot with in a comparison. */
export const COMPARE_BOOT: readonly string[] = ['blkdev@1.0.0', 'simplefs@1.0.0'];

/**
 * Boot `kind` with `boot` (`name@version` specs: modules for the procedural
 * kernel, releases for the twin), mount simplefs on /mnt, and give the
 * kernel's updater through the one UpdateService interface.
 */
export async function bootMounted(kind: KernelKind, boot: readonly string[], config: Partial<MachineConfig>, moduleSig?: ModuleSigOptions): Promise<{ k: Executive; updater: UpdateService }> {
  let k: Executive;
  let updater: UpdateService;
  if (kind === 'modules') {
    // Module files (boot specs and update steps) are checked against the signature policy and taint as at the console; the twin loads only the catalog's releases.
    const p = await bootWithModules(boot, config, moduleSig ? { moduleSig } : {});
    [k, updater] = [p, new Updater(p, moduleTrust(p).resolver)];
  } else {
    const o = bootObjectKernel(config, { releases: Object.fromEntries(boot.map((spec) => spec.split('@'))) });
    [k, updater] = [o, new ObjectUpdater(o)];
  }
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return { k, updater };
}

async function proceduralSide(config: Partial<MachineConfig>): Promise<Side> {
  const { k, updater } = await bootMounted('modules', COMPARE_BOOT, config);
  return {
    k,
    updater,
    result: emptyResult('procedural'),
    returns: [],
    authorLines: (r) => r.modules.reduce<number | null>((n, m) => (n === null ? null : addLines(n, moduleUpdateLines(m.name, r.kind === 'revert' ? m.from : m.to))), 0),
  };
}

async function objectSide(config: Partial<MachineConfig>): Promise<Side> {
  const { k, updater } = await bootMounted('objects', COMPARE_BOOT, config);
  return {
    k,
    updater,
    result: emptyResult('objects'),
    returns: [],
    // A revert's code is the newer version's (its export of the older format): count what the newer version wrote.
    authorLines: (r) =>
      (r as ObjectRecord).detail.classes.reduce<number | null>((n, c) => {
        if (n === null) return null;
        const [newer, older] = r.kind === 'revert' ? [c.from, c.to] : [c.to, c.from];
        return addLines(n, classUpdateLines(c.name, newer, older));
      }, 0),
  };
}

const addLines = (n: number, m: number | null) => (m === null ? null : n + m);

/** Cycles of fine windows shown before an update's start and after its end. */
const AROUND = 20_000;

/**
 * Syscalls returned per fine window of `width` cycles, from AROUND before
 * `start` to at least AROUND after `end`; the windows are aligned on `start`.
 * `returns` is sorted.
 */
function fineSamples(returns: readonly number[], start: number, end: number, width: number): FineSample[] {
  const before = Math.ceil(AROUND / width);
  const windows = before + Math.ceil((end - start + AROUND) / width);
  let i = returns.findIndex((t) => t >= start - before * width);
  if (i < 0) i = returns.length;
  const out: FineSample[] = [];
  for (let w = 0; w < windows; w++) {
    const from = start + (w - before) * width;
    let n = 0;
    for (; i < returns.length && returns[i]! < from + width; i++) n++;
    out.push({ from, to: from + width, syscalls: n });
  }
  return out;
}

/** Run the comparison. */
export async function compare(opts: CompareOptions): Promise<CompareResult> {
  const window = opts.window ?? 100_000;
  const fineWindow = opts.fineWindow ?? 2_000;
  const gap = opts.gap ?? 400_000;
  const config = { seed: opts.seed, cpus: opts.cpus };
  const drivers = [await proceduralSide(config), await objectSide(config)] as const;
  for (const d of drivers) opts.onBoot?.(d.result.name, d.k);
  const workloads = drivers.map((d) => new Workload(d.k, { ...WORKLOAD, seed: opts.seed }));
  const base = drivers.map((d) => d.k.stats.syscalls);
  // Only reads the clock: the machine runs the same with or without it (the trace hash shows it).
  const unhook = drivers.map((d) => d.k.hooks.syscallReturn.add(() => d.returns.push(d.k.now)));
  const advance = () => {
    drivers.forEach((d, i) => {
      const t0 = process.hrtime.bigint();
      d.k.run(window);
      d.result.wallMs += Number(process.hrtime.bigint() - t0) / 1e6;
      d.result.cycles += window;
      d.result.samples.push({ at: d.k.now, syscalls: d.k.stats.syscalls - base[i]! });
    });
  };
  workloads.forEach((w) => w.start());
  for (let c = 0; c < 3 * window; c += window) advance();
  const parts = COMPARE_STEPS.length + 1;
  for (const [n, step] of COMPARE_STEPS.entries()) {
    opts.progress?.(n, parts, `${step.spec.startsWith('revert ') ? '' : 'update '}${step.spec} on both kernels`);
    const records: (UpdateRecord | null)[] = [];
    for (const d of drivers) {
      const s: StepResult = { kind: step.kind, spec: step.spec, outcome: 'running', error: null, strategy: null, startedAt: d.k.now, endedAt: null, phases: [], throughput: [], waitCycles: 0, pauseWallUs: 0, heldCalls: 0, syscallsDuring: 0, authorLines: null };
      d.result.steps.push(s);
      try {
        records.push((await d.updater.request(parseUpdateStep(step.spec), step.lazy !== undefined ? { lazy: step.lazy } : {})).record);
      } catch (e) {
        Object.assign(s, { outcome: 'refused', error: describe(e) });
        records.push(null);
      }
    }
    for (let waited = 0; !records.every((r) => r === null || r.outcome !== 'running'); waited += window) {
      if (waited > 50_000_000) throw new Error(`compare: ${step.spec} still running after ${waited} cycles`);
      advance();
    }
    drivers.forEach((d, i) => {
      const r = records[i];
      if (!r) return;
      Object.assign(d.result.steps.at(-1)!, { outcome: r.outcome, error: r.error?.describe() ?? null, strategy: r.strategy, endedAt: r.endedAt, phases: r.phases.map((p) => ({ ...p })), waitCycles: r.waitCycles, pauseWallUs: r.pauseWallUs, heldCalls: r.heldCalls, syscallsDuring: r.syscallsDuring, authorLines: d.authorLines(r) });
    });
    for (let c = 0; c < gap; c += window) advance();
  }
  unhook.forEach((off) => off());
  drivers.forEach((d, i) => {
    for (const s of d.result.steps) s.throughput = fineSamples(d.returns, s.startedAt, s.endedAt ?? s.startedAt, fineWindow);
    const w = workloads[i]!;
    w.stop();
    const report = w.verify();
    Object.assign(d.result, {
      syscalls: d.result.samples.at(-1)!.syscalls,
      ops: w.ops,
      failed: w.failed,
      wrong: report.mismatches.length,
      files: report.files,
      bytes: report.bytes,
      failures: [...w.failures, ...report.mismatches],
      trace: d.k.machine.traceHash(),
    });
  });
  opts.progress?.(parts - 1, parts, "measuring the indirection's cost per call");
  const ind = indirectionCost(opts.indirectionCalls);
  return { seed: opts.seed, cpus: opts.cpus, window, fineWindow, kernels: [drivers[0].result, drivers[1].result], indirection: { procedural: ind.procedural, objects: ind.oo } };
}

