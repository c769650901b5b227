// The interrupt controller: numbered lines, one handler per line attached by
// the kernel. A device raises a line with a payload; the controller delivers
// it as an event at the current time, so delivery order is deterministic.

import type { EventQueue } from './events.js';

export type IrqHandler = (line: number, payload: unknown) => void;

export class InterruptController {
  private handlers = new Map<number, IrqHandler>();
  private counts = new Map<number, number>();
  /** Interrupts raised on a line with no handler (lost, as on real hardware). */
  spurious = 0;

  constructor(private readonly events: EventQueue) {}

  attach(line: number, handler: IrqHandler): void {
    this.handlers.set(line, handler);
  }

  detach(line: number): void {
    this.handlers.delete(line);
  }

  handlerOf(line: number): IrqHandler | undefined {
    return this.handlers.get(line);
  }

  /** Raise `line` now; the handler runs as its own event. */
  raise(line: number, payload: unknown = undefined): void {
    this.events.after(0, `irq${line}`, () => {
      this.counts.set(line, (this.counts.get(line) ?? 0) + 1);
      const h = this.handlers.get(line);
      if (h) h(line, payload);
      else this.spurious++;
    });
  }

  count(line: number): number {
    return this.counts.get(line) ?? 0;
  }
}
