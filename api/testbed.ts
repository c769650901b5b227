// A testbed: one booted kernel on a simulated machine (the procedural kernel
// with its modules, or the K42-style object twin), its updater and the
// verifying workload, driven from code. This is what the experiment API
// (api/index.ts) hands out; the same calls work on both kernels, and every
// result comes back as plain data (api/data.ts). Nothing here runs on its
// own: simulated time moves only in `advance`, in a running update's
// `finish`, and in the calls that run a user program to its end (`mount`,
// `run`, `stopWorkload`).

import { bootWithModules } from '../catalog/boot.js';
import { moduleTrust } from '../catalog/trust.js';
import type { Sys } from '../exec/abi.js';
import { readTrustedKey } from '../catalog/keys.js';
import { err } from '../exec/errno.js';
import { runProgram } from '../exec/executive.js';
import { taintLetters } from '../exec/taint.js';
import { parseUpdateStep, type StartedUpdate, type UpdateOptions, type UpdateService } from '../exec/lifecycle.js';
import type { KGen } from '../exec/thread.js';
import type { MachineConfig } from '../hw/machine.js';
import type { Kernel } from '../kernel/kernel.js';
import { DEFAULT_RELEASES } from '../oo/classes/releases.js';
import { bootObjectKernel, type ObjectKernel } from '../oo/kernel.js';
import { ObjectUpdater } from '../oo/updater.js';
import { Updater } from '../updater/updater.js';
import { Workload, type WorkloadConfig } from '../user/workload.js';
import type { SignalReport } from '../exec/pending.js';
import { forceTransition, type KillReport, killTask, purgeTransition, reverseTransition, signalTransition } from './control.js';
import { historyReport, type HistoryReport, type KernelKind, statReport, type StatReport, taintReport, type TaintReport, transitionData, type TransitionData, updateData, type UpdateData, workloadReport, type WorkloadReport } from './data.js';

export interface BootOptions extends Partial<MachineConfig> {
  /** `modules` (the procedural kernel, the default) or `objects` (the object twin). */
  readonly kernel?: KernelKind;
  /**
   * What to boot with, in load order. Procedural kernel: `NAME`,
   * `NAME@VERSION` or a path to a `.ts`/`.js` module file. Object twin:
   * `NAME@VERSION` of a release. Default, on both: blkdev 1.0.0 and
   * simplefs 1.0.0 (the twin's default releases).
   */
  readonly modules?: readonly string[];
  /**
   * Refuse module files without a valid signature by a trusted key
   * (EKEYREJECTED); without it they load and taint the kernel `unsigned`.
   * The catalog's own modules count as signed by the build. The object twin
   * loads no module files, so nothing there is refused.
   */
  readonly requireSigned?: boolean;
  /** Public key files (`signing_key.pub`, as `livemod keygen` writes them) whose signatures the machine trusts. */
  readonly trustedKeys?: readonly string[];
}

/** The modules both kernels boot with unless told otherwise. */
export const DEFAULT_BOOT: readonly string[] = Object.entries(DEFAULT_RELEASES).map(([name, version]) => `${name}@${version}`);

/** Boot a machine with the procedural kernel (the default) or the object twin. */
export async function boot(options?: BootOptions & { readonly kernel?: 'modules' }): Promise<Testbed<Kernel>>;
export async function boot(options: BootOptions & { readonly kernel: 'objects' }): Promise<Testbed<ObjectKernel>>;
export async function boot(options?: BootOptions): Promise<Testbed<Kernel> | Testbed<ObjectKernel>>;
export async function boot(options: BootOptions = {}): Promise<Testbed<Kernel> | Testbed<ObjectKernel>> {
  const { kernel = 'modules', modules = DEFAULT_BOOT, requireSigned, trustedKeys = [], ...config } = options;
  if (kernel === 'objects') {
    const releases: Record<string, string> = {};
    for (const spec of modules) {
      const [name, version, extra] = spec.split('@');
      if (!name || !version || extra !== undefined) throw err('EINVAL', `the object twin boots releases as NAME@VERSION, got '${spec}'`, 'e.g. simplefs@1.2.0');
      releases[name] = version;
    }
    const k = bootObjectKernel(config, { releases });
    return new Testbed('objects', k, new ObjectUpdater(k));
  }
  if (kernel !== 'modules') throw err('EINVAL', `kernel must be modules or objects, got '${String(kernel)}'`);
  const k = await bootWithModules(modules, config, { moduleSig: { required: requireSigned === true, trustedKeys: trustedKeys.map(readTrustedKey) } });
  return new Testbed('modules', k, new Updater(k, moduleTrust(k).resolver));
}

/**
 * An update started and not yet run to its end. While its transition waits
 * (module, per-task, the twin's hot-swap) it can be watched, signalled,
 * forced, reversed or purged, as the console does; each throws EINVAL once
 * the update has ended.
 */
export class PendingUpdate {
  constructor(
    private readonly k: Kernel | ObjectKernel,
    /** The lifecycle's handle: the record and the updater's kernel thread. */
    readonly started: StartedUpdate,
  ) {}

  get id(): number {
    return this.started.record.id;
  }

  /** Committed or aborted. */
  get done(): boolean {
    return this.started.record.outcome !== 'running';
  }

  data(): UpdateData {
    return updateData(this.started.record);
  }

  /** Its transition and where each thread stands in it, or null once it has ended. */
  transition(): TransitionData | null {
    return this.done ? null : transitionData(this.k);
  }

  /** Send a fake signal to the threads still in the old code: interruptible sleepers restart their syscall unseen. */
  signal(): SignalReport {
    this.mine('signal');
    return signalTransition(this.k);
  }

  /** Reverse it: threads already moved go back, nothing was transferred. Runs the machine until it is reversed (or `maxCycles` pass). */
  reverse(maxCycles?: number): UpdateData {
    this.mine('reverse');
    reverseTransition(this.k, undefined, maxCycles);
    return this.data();
  }

  /** Complete it now, whoever is still in the old code (unsafe: taints the kernel F; the old version stays resident). */
  force(maxCycles?: number): UpdateData {
    this.mine('force');
    forceTransition(this.k, maxCycles);
    return this.data();
  }

  /** Erlang's soft_purge (EBUSY naming the threads still in the old code) or, with `kill`, purge: they are killed and it completes. */
  purge(kill = false, maxCycles?: number): { update: UpdateData; killed: number[] } {
    this.mine('purge');
    const { killed } = purgeTransition(this.k, this.started.record.modules[0]!.name, kill, maxCycles);
    return { update: this.data(), killed };
  }

  /** EINVAL unless this update's transition is the one pending (`verb` says what was asked, for the message). */
  private mine(verb: string): void {
    const r = this.started.record;
    if (r.outcome !== 'running') throw err('EINVAL', `no transition pending: ${r.kind} ${r.id} has ended (${r.outcome})`, `${verb} acts on an update while its transition waits`);
    this.k.updates.pendingFor(verb);
  }

  /**
   * Run the machine (workload included) until the update commits or aborts;
   * its record as data either way. ETIMEDOUT if it is still running after
   * `maxCycles` (it keeps running).
   */
  finish(maxCycles = Number.MAX_SAFE_INTEGER): UpdateData {
    try {
      this.k.updates.runToEnd(this.started, maxCycles);
    } catch (e) {
      if (this.started.record.outcome !== 'aborted') throw e;
    }
    return this.data();
  }
}

export class Testbed<K extends Kernel | ObjectKernel = Kernel | ObjectKernel> {
  private current: Workload | null = null;

  constructor(
    readonly kind: KernelKind,
    /** The kernel itself, for what the API does not cover. */
    readonly kernel: K,
    /** Its updater, through the interface both kernels' updaters share. */
    readonly updater: UpdateService,
  ) {}

  /** Simulated time, in cycles. */
  get now(): number {
    return this.kernel.now;
  }

  /** Let the machine run for `cycles`; returns the time. */
  advance(cycles: number): number {
    this.kernel.run(cycles);
    return this.kernel.now;
  }

  /** Kill user thread `tid` wherever it waits, releasing what it pinned (the console's `kill`): ESRCH, or EPERM for a kernel thread. */
  kill(tid: number): KillReport {
    return killTask(this.kernel, tid);
  }

  /** Load a module (`NAME`, `NAME@VERSION` or a path) into the procedural kernel. */
  async load(spec: string, params: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.kind !== 'modules') throw err('EINVAL', 'the object twin has no loadable modules', 'boot it with the releases you want (modules: [NAME@VERSION...])');
    await moduleTrust(this.kernel as Kernel).insmod(spec, params);
  }

  /** Mount a filesystem, as a user program would (default: simplefs on disk0 at /mnt). */
  mount(path = '/mnt', fstype = 'simplefs', dev = 'disk0'): void {
    this.run('mount', function* (sys) {
      yield* sys.mount(fstype, dev, path);
    });
  }

  /** Run `program` as a user thread until it exits (the rest of the machine runs meanwhile); its result. */
  run<T>(name: string, program: (sys: Sys) => KGen<T>): T {
    return runProgram<T>(this.kernel, name, program);
  }

  /** Start the verifying workload (user/workload.ts) on a mounted filesystem. */
  startWorkload(config: Partial<WorkloadConfig> = {}): WorkloadReport {
    if (this.current?.running) throw err('EBUSY', 'the workload is already running', 'stopWorkload() first');
    const root = config.root ?? '/mnt';
    if (!this.kernel.vfs.mountTable().some((m) => m.path === root)) throw err('ENOENT', `nothing is mounted on ${root}`, 'mount() first');
    const w = new Workload(this.kernel, { seed: this.kernel.machine.config.seed, ...config });
    w.start();
    this.current = w;
    return workloadReport(w);
  }

  /** Let every workload thread finish its operation, then read every file back and check every byte. */
  stopWorkload(): WorkloadReport {
    const w = this.current;
    if (!w || !w.running) throw err('ESRCH', 'the workload is not running', 'startWorkload() first');
    w.stop();
    return workloadReport(w, w.verify());
  }

  /** The workload so far, or null before the first start. */
  workload(): WorkloadReport | null {
    return this.current ? workloadReport(this.current) : null;
  }

  /**
   * Start an update named as the console names it (`simplefs@1.2.0`,
   * `blkdev@2.0.0 simplefs@2.0.0` for a group, a module file, or
   * `revert simplefs`); it progresses as the machine runs. Rejects with the
   * plan's refusal (a KernelError): then nothing started. `timeout: null`
   * gives it no limit (it waits until its threads move), and `signalAfter`,
   * `reverseAfter` its policy, in cycles from the start.
   */
  async startUpdate(spec: string, options: UpdateOptions = {}): Promise<PendingUpdate> {
    return new PendingUpdate(this.kernel, await this.updater.request(parseUpdateStep(spec), options));
  }

  /** The transition pending in the background, if any, and where each thread stands in it. */
  transition(): TransitionData | null {
    return transitionData(this.kernel);
  }

  /** Start an update and run the machine until it ends; its record, committed or aborted. Rejects with a refusal. */
  async update(spec: string, options: UpdateOptions = {}): Promise<UpdateData> {
    return (await this.startUpdate(spec, options)).finish();
  }

  /** What the update would do, as lines; changes nothing. Rejects with the refusal. */
  dryRun(spec: string, options: UpdateOptions = {}): Promise<string[]> {
    return this.updater.dryRun(parseUpdateStep(spec), options);
  }

  /** Every update and revert so far, oldest first. */
  history(): HistoryReport {
    return historyReport(this.kernel);
  }

  /** The machine's counters and the trace hash. */
  stats(): StatReport {
    return statReport(this.kernel);
  }

  /** What the kernel no longer vouches for: its taint letters and each flag with when and why (as `stat` shows it). */
  taint(): TaintReport {
    return taintReport(this.kernel.taint);
  }

  /** The taint letters each loaded module brought (`OE`, '' for none), as lsmod shows them; {} on the twin, which loads no module files. */
  moduleTaints(): Record<string, string> {
    const k = this.kernel;
    return 'loader' in k ? Object.fromEntries(k.loader.list().map((m) => [m.name, taintLetters(m.taints)])) : {};
  }

  /** The running version of each module (or release, on the twin). */
  versions(): Record<string, string> {
    const k = this.kernel;
    return 'loader' in k ? Object.fromEntries(k.loader.list().map((m) => [m.name, m.def.version])) : Object.fromEntries(k.releases);
  }
}
