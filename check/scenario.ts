// One run of a timing-coverage scenario (livemod check): a machine booted
// with given module versions, a bounded verifying workload, and optionally an
// update requested at a given step boundary. A run is a pure function of its
// scenario, so a point found in one run can be replayed alone in another
// (in another worker, too). What a run ends with is what the checks compare:
// the workload's own verdict (its model of every file), the final tree, and
// the facts a cold restart can be compared on (facts.ts). The workload is
// the bounded verifying one, or a console script (--workload).

import { bootWithModules } from '../catalog/boot.js';
import { catalogResolver } from '../catalog/catalog.js';
import { moduleTrust } from '../catalog/trust.js';
import type { Sys } from '../exec/abi.js';
import { isKernelError } from '../exec/errno.js';
import { runProgram } from '../exec/executive.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ModuleVersion } from '../kernel/loader.js';
import type { ModuleSigOptions } from '../kernel/modsig.js';
import type { Strategy } from '../updater/plan.js';
import { Updater } from '../updater/updater.js';
import { Workload } from '../user/workload.js';
import { ConsoleSession } from '../cli/console.js';
import { type Facts, factsOf, recordsBehind } from './facts.js';
import { type RunEntry, runScript } from '../cli/script.js';

export interface WorkloadShape {
  readonly threads: number;
  readonly files: number;
  /** Operations each thread makes. */
  readonly ops: number;
  readonly maxSize: number;
  readonly think: number;
}

export interface Scenario {
  readonly seed: number;
  readonly cpus: number;
  /** Module specs loaded at boot, in order (`name@version`). */
  readonly boot: readonly string[];
  /** The update: specs of one group. */
  readonly update: readonly string[];
  readonly workload: WorkloadShape;
  /**
   * A console script to run as the workload instead of the verifying one
   * (`livemod check --workload FILE`), on the machine booted with `boot`
   * and simplefs mounted on /mnt. It is judged by its lines: each must do
   * what it should (`!` lines fail), and print what it printed with no
   * update, but for commands whose output shows time or versions.
   */
  readonly script?: string;
  /** The machine's module signature policy (`--require-signed`, `--trusted-key`): boot modules, the update and a script's insmods are checked against it. */
  readonly moduleSig?: ModuleSigOptions;
}

/** Where the update is requested, and how. */
export interface Request {
  /** The step boundary (the scheduler's step count) after which the update is requested. */
  readonly step: number;
  readonly strategy: Strategy;
}

/** One run of a check: a scenario, with or without an update request. */
export interface Job {
  readonly scenario: Scenario;
  readonly request: Request | null;
}

export interface RunOutcome {
  /** The update's outcome, or `refused` (by the plan), or `none` (no update requested). */
  readonly update: 'committed' | 'aborted' | 'refused' | 'none';
  readonly error: string | null;
  /** Simulated time the update was requested at. */
  readonly requestedAt: number | null;
  /** Cycles from the request to the switch (or abort). */
  readonly delay: number;
  readonly heldCalls: number;
  readonly stoppedCycles: number;
  /** Workload operations that failed, and the first of them. */
  readonly failed: number;
  readonly firstFailure: string | null;
  /** Files whose bytes or listing differ from the workload's model. */
  readonly mismatches: readonly string[];
  readonly oopses: number;
  readonly facts: Facts;
  readonly trace: string;
  readonly steps: number;
  /** A script workload's output, command by command (empty for the verifying workload). */
  readonly transcript: readonly string[];
  /**
   * The workload was a script: its final tree may depend on timing (a
   * `workload start`, `tick`, `workload stop` runs as many operations as
   * fit), so runs are compared by what the script printed, not by the tree.
   */
  readonly scripted: boolean;
}

/** Cycles a run may take before it is declared stuck. */
const RUN_LIMIT = 200_000_000;

/** The scenario's machine, booted with its modules under its signature policy. */
function bootScenario(s: Scenario): Promise<Kernel> {
  return bootWithModules(s.boot, { seed: s.seed, cpus: s.cpus }, s.moduleSig ? { moduleSig: s.moduleSig } : {});
}

/** A booted machine with the workload started (not yet run). */
export async function startScenario(s: Scenario): Promise<{ k: Kernel; workload: Workload }> {
  const k = await bootScenario(s);
  runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
  const w = new Workload(k, { threads: s.workload.threads, files: s.workload.files, opsPerThread: s.workload.ops, maxSize: s.workload.maxSize, think: s.workload.think, seed: s.seed });
  w.start();
  return { k, workload: w };
}

/**
 * The update side of a run: asks for the update once (or records the plan's
 * refusal), waits for it to end, and reads its outcome. Both kinds of
 * workload use it; they differ only in where the request is made.
 */
class UpdateRequest {
  update: RunOutcome['update'] = 'none';
  error: string | null = null;
  requestedAt: number | null = null;
  private record: ReturnType<Updater['start']>['record'] | null = null;

  private constructor(
    private readonly k: Kernel,
    readonly request: Request | null,
    private readonly versions: readonly ModuleVersion[],
    private readonly candidates: Awaited<ReturnType<typeof catalogResolver.candidates>> | undefined,
  ) {}

  static async make(k: Kernel, s: Scenario, request: Request | null): Promise<UpdateRequest> {
    // Through the machine's check, as an update from the console is: a file is refused or tainted as the policy says.
    const versions = request ? await Promise.all(s.update.map((spec) => moduleTrust(k).resolver.load(spec))) : [];
    return new UpdateRequest(k, request, versions, request ? await catalogResolver.candidates() : undefined);
  }

  get asked(): boolean {
    return this.requestedAt !== null;
  }

  /** Request the update now (the scenario's point). */
  ask(): void {
    this.requestedAt = this.k.now;
    try {
      this.record = new Updater(this.k).start(this.versions, { strategy: this.request!.strategy, candidates: this.candidates! }).record;
    } catch (e) {
      this.update = 'refused';
      this.error = isKernelError(e) ? e.describe() : e instanceof Error ? e.message : String(e);
    }
  }

  /** Run the machine until the update has ended, and take its outcome. */
  finish(): void {
    const r = this.record;
    if (!r) return;
    if (!this.k.runUntil(() => r.outcome !== 'running', RUN_LIMIT)) throw new Error(`update still running after ${RUN_LIMIT} cycles`);
    this.update = r.outcome === 'committed' ? 'committed' : 'aborted';
    this.error = r.error?.describe() ?? null;
  }

  /**
   * The outcome of the run: the update's figures, then what the workload
   * says; `behind` was counted before anything read every file back.
   */
  outcome(workload: Pick<RunOutcome, 'failed' | 'firstFailure' | 'mismatches' | 'transcript' | 'scripted'>, behind: readonly string[]): RunOutcome {
    const k = this.k;
    const r = this.record;
    return {
      update: this.update,
      error: this.error,
      requestedAt: this.requestedAt,
      delay: r ? r.waitCycles : 0,
      heldCalls: r ? r.heldCalls : 0,
      stoppedCycles: r ? r.stoppedCycles : 0,
      ...workload,
      oopses: k.stats.oopses,
      facts: factsOf(k, behind),
      trace: k.machine.traceHash(),
      steps: k.sched.counters.steps,
    };
  }
}

/**
 * Run a scenario: the workload to its end, with the update requested after
 * step `request.step` if given. `onStep` sees every step boundary, and
 * whether the workload still runs (the recording run uses it).
 */
export async function runScenario(s: Scenario, request: Request | null, onStep?: (k: Kernel, running: boolean) => void): Promise<RunOutcome> {
  if (s.script !== undefined) return runScriptScenario(s, s.script, request, onStep);
  const { k, workload } = await startScenario(s);
  const u = await UpdateRequest.make(k, s, request);
  const off = onStep ? k.sched.stepped.add(() => onStep(k, workload.running)) : null;
  if (request) {
    k.runUntil(() => k.sched.counters.steps >= request.step || !workload.running, RUN_LIMIT);
    u.ask();
  }
  workload.finish(RUN_LIMIT); // the bounded workload ends by itself
  u.finish();
  off?.();
  const behind = recordsBehind(k); // before the verifier reads every file back (which migrates lazily kept records)
  const report = workload.verify();
  return u.outcome({ failed: workload.failed, firstFailure: workload.failures[0] ?? null, mismatches: report.mismatches, transcript: [], scripted: false }, behind);
}

/** A progress line the console prints for every phase of an update, whatever command was running. */
const UPDATE_PROGRESS = /^\s+\[(update|revert) \d+\] /;

/** Commands whose output shows time, versions or counts that an update may change without anything being wrong. */
const UNCOMPARED = new Set(['stat', 'ps', 'history', 'dmesg', 'lsmod', 'modinfo', 'tick', 'workload', 'help']);

/**
 * A run whose workload is a console script. The update is requested from the
 * step hook, at the step boundary itself (the script's commands run the
 * machine inside themselves, so there is no other place between two steps).
 */
async function runScriptScenario(s: Scenario, script: string, request: Request | null, onStep?: (k: Kernel, running: boolean) => void): Promise<RunOutcome> {
  const k = await bootScenario(s);
  runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
  const u = await UpdateRequest.make(k, s, request);
  let running = true;
  const off = k.sched.stepped.add(() => {
    onStep?.(k, running);
    if (request && !u.asked && k.sched.counters.steps >= request.step) u.ask();
  });
  const entries: RunEntry[] = [];
  const problems: string[] = [];
  await runScript(new ConsoleSession(k, () => {}), script, { source: 'workload', echo: false, printErr: (l) => problems.push(l), json: (e) => entries.push(e) });
  running = false;
  if (request && !u.asked) u.ask(); // the point lies past the script's end
  u.finish();
  off();
  const transcript = entries
    .filter((e) => !UNCOMPARED.has(e.command.split(/\s+/)[0]!))
    .map((e) => {
      const said = e.output.filter((l) => !UPDATE_PROGRESS.test(l)); // the console's live progress of the update itself
      return `${e.line}: ${e.command} => ${e.status}${said.length ? `: ${said.join(' | ')}` : ''}`;
    });
  return u.outcome({ failed: problems.length, firstFailure: problems[0] ?? null, mismatches: [], transcript, scripted: true }, recordsBehind(k));
}

/** Run one job of a check (in this thread, or in a worker: worker.ts). */
export const runJob = (j: Job): Promise<RunOutcome> => runScenario(j.scenario, j.request);
