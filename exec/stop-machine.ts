// Stopping the whole machine (Ksplice's stop_machine, the stop-machine update
// strategy's quiescence): every CPU stops at its next step boundary, then a
// callback runs with no thread running anywhere, and the CPUs stay parked for
// the cycles it returns before they resume. The scheduler (exec/sched.ts)
// owns the CPUs and their dispatch; it asks here whether a stop is pending
// (then a CPU that reaches a step boundary parks) or in force (then no CPU
// dispatches), and this asks it to kick a CPU when one must run again.

import type { Machine } from '../hw/machine.js';
import type { HookList } from './hooks.js';

/** The moments of a stop-machine: asked for, every CPU parked (for how many cycles), running again. */
export type StopPhase = { readonly kind: 'requested' } | { readonly kind: 'stopped'; readonly cycles: number } | { readonly kind: 'restarted' };

/** What a stop reads of a CPU's run state (the scheduler keeps it). */
export interface StopCpu {
  readonly id: number;
  readonly current: object | null;
  readonly runq: readonly object[];
  readonly dispatchPending: boolean;
}

/** What a stop needs of the scheduler. */
export interface StopHost<C extends StopCpu> {
  readonly machine: Machine;
  readonly cpus: readonly C[];
  /** The CPU whose step is running, or null. */
  stepCpu(): C | null;
  /** Have CPU `c` dispatch as soon as the step it is in has ended. */
  kick(c: C): void;
  /** The scheduler's counters for `stat`. */
  readonly counters: { stops: number; stoppedCycles: number };
  /** Told when a stop is requested, takes hold, ends. */
  readonly stops: HookList<[StopPhase]>;
}

/** A request to stop every CPU at a step boundary (Ksplice's stop_machine). */
interface StopRequest {
  /** Runs once every CPU is parked; returns how many cycles the machine stays stopped. */
  readonly onStopped: () => number;
  /** CPUs that still have a step in progress. */
  busy: Set<number>;
}

export class StopMachine<C extends StopCpu> {
  private stop: StopRequest | null = null;
  /** Set while every CPU is parked by stopMachine. */
  stopped = false;

  constructor(private readonly host: StopHost<C>) {}

  /** A stop was requested and not every CPU is parked yet: a CPU at a step boundary parks. */
  get requested(): boolean {
    return this.stop !== null;
  }

  /**
   * Stop every CPU at its next step boundary, then run `onStopped` with no
   * thread running anywhere; the CPUs stay parked for the cycles it returns,
   * then resume. Idle CPUs count as parked at once. One stop at a time.
   */
  request(onStopped: () => number): void {
    const { machine, cpus } = this.host;
    if (this.stop || this.stopped) throw new Error('stopMachine: a stop is already in progress');
    this.host.counters.stops++;
    // A CPU is busy while a dispatch is pending (it is inside a step or about
    // to start one), while its step runs (the caller's own), or until the cost
    // of the step it ended by blocking has elapsed (wake it then, to park).
    const busy = new Set<number>();
    for (const c of cpus) {
      if (c.dispatchPending || c === this.host.stepCpu()) busy.add(c.id);
      else if (machine.cpus[c.id]!.busyUntil > machine.events.now) {
        busy.add(c.id);
        this.host.kick(c);
      }
    }
    this.stop = { onStopped, busy };
    machine.events.trace.mixString('stop-machine');
    this.host.stops.run({ kind: 'requested' });
    if (this.stop.busy.size === 0) machine.events.after(0, 'stop-machine', () => this.allParked());
  }

  /** CPU `c` reached a step boundary during a stop request; the last one runs the stop. */
  park(c: C): void {
    const stop = this.stop!;
    if (stop.busy.delete(c.id) && stop.busy.size === 0) this.allParked();
  }

  private allParked(): void {
    const stop = this.stop!;
    this.stop = null;
    this.stopped = true;
    const cycles = Math.max(0, Math.round(stop.onStopped()));
    this.host.counters.stoppedCycles += cycles;
    this.host.stops.run({ kind: 'stopped', cycles });
    this.host.machine.events.after(cycles, 'restart-machine', () => {
      this.stopped = false;
      this.host.stops.run({ kind: 'restarted' });
      for (const c of this.host.cpus) if (c.current || c.runq.length > 0) this.host.kick(c);
    });
  }
}
