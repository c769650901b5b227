// A periodic timer that raises its interrupt line every `period` cycles once
// started. The kernel uses it to request preemption.

import type { EventQueue } from './events.js';
import type { InterruptController } from './irq.js';

export class Timer {
  private running = false;
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
    this.schedule();
  }

  private schedule(): void {
    this.events.after(this.period, 'timer', () => {
      this.ticks++;
      this.irq.raise(this.line, this.ticks);
      this.schedule();
    });
  }
}
