// The simulated machine: clock and event queue, N CPUs, an interrupt
// controller, a periodic timer, one disk and a console, all derived from a
// seed. The hardware knows nothing of threads; the kernel drives the CPUs.

import { Console } from './console.js';
import { Disk, type DiskLatency } from './disk.js';
import { EventQueue } from './events.js';
import { InterruptController } from './irq.js';
import { Rng } from './rng.js';
import { Timer } from './timer.js';

export const IRQ_TIMER = 0;
export const IRQ_DISK0 = 14;

export interface MachineConfig {
  readonly seed: number;
  readonly cpus: number;
  /** Sectors on disk0. */
  readonly diskSectors: number;
  /** Cycles between timer interrupts. */
  readonly timerPeriod: number;
  readonly diskLatency?: DiskLatency;
}

export const DEFAULT_MACHINE: MachineConfig = {
  seed: 1,
  cpus: 4,
  diskSectors: 8192,
  timerPeriod: 10_000,
};

/** One processor: it runs at most one kernel thread at a time. */
export class Cpu {
  /**
   * Cycles of every step this CPU started (not idle). A step's whole cost is
   * counted when it starts, so this runs ahead of the clock while a step is
   * in progress: `busyAt(now)` is the figure to compare with elapsed time.
   */
  busyCycles = 0;
  /** When the step this CPU started last ends: it starts no other step before. */
  busyUntil = 0;
  constructor(readonly id: number) {}

  /** Cycles spent running threads up to `now` (never more than `now`). */
  busyAt(now: number): number {
    return this.busyCycles - Math.max(0, this.busyUntil - now);
  }
}

export class Machine {
  readonly config: MachineConfig;
  readonly events = new EventQueue();
  readonly rng: Rng;
  readonly cpus: Cpu[];
  readonly irq: InterruptController;
  readonly timer: Timer;
  readonly disks: Disk[];
  readonly console = new Console();

  constructor(config: Partial<MachineConfig> = {}) {
    this.config = { ...DEFAULT_MACHINE, ...config };
    const { seed, cpus } = this.config;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 64) throw new RangeError(`cpus must be an integer in 1..64, got ${cpus}`);
    this.rng = new Rng(seed);
    this.cpus = Array.from({ length: cpus }, (_, i) => new Cpu(i));
    this.irq = new InterruptController(this.events);
    this.timer = new Timer(this.events, this.irq, IRQ_TIMER, this.config.timerPeriod);
    this.disks = [
      new Disk('disk0', this.config.diskSectors, this.events, this.irq, IRQ_DISK0, this.rng.fork(1), this.config.diskLatency),
    ];
  }

  get now(): number {
    return this.events.now;
  }

  /** Hex digest of everything that happened so far. */
  traceHash(): string {
    return this.events.trace.hex();
  }
}
