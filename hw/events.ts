// The clock and the event queue of the simulated machine. Time is counted in
// cycles; events run in time order, ties in insertion order, so a run is a
// pure function of its seed and inputs. Every event (and every extra record a
// device or the scheduler adds) is folded into the trace hash.

export interface Event {
  readonly time: number;
  readonly seq: number;
  readonly tag: string;
  readonly run: () => void;
  cancelled: boolean;
  /** Set when it has run (a cancel then does nothing). */
  ran?: boolean;
}

/** A 64-bit FNV-1a-style hash kept as two 32-bit lanes. */
export class TraceHash {
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;
  private count = 0;

  mixNumber(n: number): void {
    const v = n >>> 0;
    const w = Math.floor(n / 0x1_0000_0000) >>> 0;
    this.lo = Math.imul(this.lo ^ v, 0x01000193) >>> 0;
    this.hi = Math.imul(this.hi ^ w ^ this.lo, 0x01000193) >>> 0;
    this.count++;
  }

  mixString(s: string): void {
    for (let i = 0; i < s.length; i++) this.mixNumber(s.charCodeAt(i));
  }

  /** Records seen so far. */
  get records(): number {
    return this.count;
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

export class EventQueue {
  private heap: Event[] = [];
  private seq = 0;
  /** Cancelled events still in the heap (they are dropped when they reach the top, or all at once by `compact`). */
  private dead = 0;
  private clock = 0;
  readonly trace = new TraceHash();

  /** The current simulated time, in cycles. */
  get now(): number {
    return this.clock;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Schedule `run` at absolute time `time` (never in the past). */
  at(time: number, tag: string, run: () => void): Event {
    const ev: Event = { time: Math.max(time, this.clock), seq: this.seq++, tag, run, cancelled: false };
    this.push(ev);
    return ev;
  }

  /** Schedule `run` after `delay` cycles. */
  after(delay: number, tag: string, run: () => void): Event {
    return this.at(this.clock + delay, tag, run);
  }

  /**
   * Cancel `ev` if it has not run: it never runs and never enters the trace
   * (a timeout that did not expire leaves no mark). When the cancelled
   * events outnumber the live ones the heap is rebuilt without them, so a
   * timer armed and cancelled per request does not grow it; the order of the
   * live events is their (time, seq) order either way.
   */
  cancel(ev: Event): void {
    if (ev.cancelled || ev.ran) return;
    ev.cancelled = true;
    if (++this.dead > 64 && this.dead * 2 > this.heap.length) this.compact();
  }

  private compact(): void {
    const live = this.heap.filter((e) => !e.cancelled);
    this.heap = [];
    this.dead = 0;
    for (const e of live) this.push(e);
  }

  /** Time of the next live event, or Infinity. */
  peekTime(): number {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) {
      this.pop();
      if (this.dead > 0) this.dead--;
    }
    return this.heap.length > 0 ? this.heap[0]!.time : Infinity;
  }

  /**
   * Run events up to and including time `until`; the clock then reads
   * `until`. Returns how many events ran.
   */
  runUntil(until: number, stop?: () => boolean): number {
    let n = 0;
    for (;;) {
      if (stop?.()) return n;
      if (!this.runNext(until)) break;
      n++;
    }
    if (until !== Infinity && until > this.clock) this.clock = until;
    return n;
  }

  /**
   * Run the next live event if it is due by `until`; whether one ran. A
   * method of its own, called per event: V8 optimizes a function that is
   * called often, while a loop that runs a whole `runUntil` (a window of
   * millions of cycles, entered once) ran in baseline code, its OSR code
   * left unused by the next call (measured: about 240 instructions an event
   * in the loop, a fifth of the event queue's cost).
   */
  private runNext(until: number): boolean {
    if (this.peekTime() > until) return false;
    const ev = this.pop()!;
    this.clock = ev.time;
    this.trace.mixNumber(ev.time);
    this.trace.mixString(ev.tag);
    ev.ran = true;
    ev.run();
    return true;
  }

  // The heap moves a hole instead of swapping pairs: one write per level.
  // Any valid heap pops the same sequence, since (time, seq) is a total order.

  private push(ev: Event): void {
    const h = this.heap;
    let i = h.length; // the hole starts one past the end: the first write appends
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!before(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): Event | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!, h[l]!) ? r : l;
        const child = h[c]!;
        if (!before(child, last)) break;
        h[i] = child;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
