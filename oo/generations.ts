// Thread generations, K42's quiescence detector (an RCU-like scheme). A user
// thread joins the current generation when it enters the kernel and leaves
// it when it returns. The generation advances when no thread of the previous
// one is left in the kernel. A marker set in generation g elapses once the
// generation reaches g + 2: by then every thread that was in the kernel when
// the marker was set has left it, so no call it made can still be running.
// Kernel threads (the updater) are not counted: they make no object calls
// that the marker must wait for.

import type { Thread } from '../exec/thread.js';

interface Marker {
  readonly gen: number;
  readonly elapsed: () => void;
}

export class Generations {
  current = 0;
  /** Threads in the kernel, by the generation they entered in. */
  private readonly active = new Map<number, number>();
  private readonly joined = new Map<Thread, number>();
  private markers: Marker[] = [];
  advances = 0;

  enter(t: Thread): void {
    this.joined.set(t, this.current);
    this.active.set(this.current, (this.active.get(this.current) ?? 0) + 1);
  }

  leave(t: Thread): void {
    const g = this.joined.get(t);
    if (g === undefined) return;
    this.joined.delete(t);
    const n = this.active.get(g)! - 1;
    if (n === 0) this.active.delete(g);
    else this.active.set(g, n);
    this.advance();
  }

  /** Threads in the kernel now, by generation (for `ps`-like views and tests). */
  inKernel(): ReadonlyMap<number, number> {
    return this.active;
  }

  /** Threads in the kernel since generation `gen` or earlier (what a marker set in `gen` waits for). */
  threadsSince(gen: number): Thread[] {
    return [...this.joined].filter(([, g]) => g <= gen).map(([t]) => t);
  }

  /** Call `elapsed` once every thread in the kernel now has left it (at once if none is). */
  marker(elapsed: () => void): void {
    this.markers.push({ gen: this.current, elapsed });
    this.advance();
  }

  /** Drop a marker that is no longer wanted (an aborted update). */
  cancel(elapsed: () => void): void {
    this.markers = this.markers.filter((m) => m.elapsed !== elapsed);
  }

  private advance(): void {
    while (this.markers.length > 0 && !this.active.has(this.current - 1)) {
      this.current++;
      this.advances++;
      const due = this.markers.filter((m) => m.gen + 2 <= this.current);
      if (due.length === 0) continue;
      this.markers = this.markers.filter((m) => m.gen + 2 > this.current);
      for (const m of due) m.elapsed();
    }
  }
}
