// A periodic timer that raises its interrupt line every `period` cycles once
// started. The kernel uses it to request preemption.
//
// Tickless when idle, as Linux's NO_HZ idle: given an `idle` test (the
// scheduler's: no thread running or runnable), a tick that finds the
// machine idle schedules no next tick, and `kick()` (a thread became
// runnable) starts ticking again on the same grid (start + k * period).
// So an idle machine has no events at all until a device or a sleeper
// wakes it, and time can jump over any idle stretch at once: `tick 1e15` on
// an idle machine is one step, and it ends exactly as ticking through it in
// pieces would, since the grid does not depend on how time was advanced.

import type { Event, EventQueue } from './events.js';
import type { InterruptController } from './irq.js';

export class Timer {
  private running = false;
  private origin = 0;
  private next: Event | null = null;
  private idle: () => boolean = () => false;
  ticks = 0;

  constructor(
    private readonly events: EventQueue,
    private readonly irq: InterruptController,
    readonly line: number,
    readonly period: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.origin = this.events.now;
    this.schedule();
  }

  /** Stop ticking while `idle()` holds at a tick; `kick()` restarts. */
  tickless(idle: () => boolean): void {
    this.idle = idle;
  }

  /** Something became runnable: tick again if the idle machine had stopped the tick. */
  kick(): void {
    if (this.running && this.next === null) this.schedule();
  }

  /** The next tick: the first point of the grid after now. */
  private schedule(): void {
    const k = Math.floor((this.events.now - this.origin) / this.period) + 1;
    this.next = this.events.at(this.origin + k * this.period, 'timer', () => {
      this.ticks++;
      this.irq.raise(this.line, this.ticks);
      this.next = null;
      if (!this.idle()) this.schedule();
    });
  }
}
