// The Trace Event format as livemod writes it: the JSON that Perfetto
// (ui.perfetto.dev) and chrome://tracing open, `{"traceEvents": [...]}`.
// Slices that nest (a thread's syscalls, frames and blocked intervals; an
// update and its phases) are begin/end pairs (ph B and E); a CPU's runs,
// which never overlap, are complete events (X); counters are C, and the
// metadata that names processes and threads is M. This file holds the time
// unit, the rule that keeps slices on one track properly nested, the order
// a reader needs, and the file's text.
//
// Why B/E for nested slices: readers sort X events by their start, and two
// X events that start at the same time (a syscall and the first frame it
// pushes, in one step) may be read the wrong way round. B/E pairs at one
// time are read in file order, and the order is known when they are written.
//
// Time: `ts` is in microseconds in the format; livemod writes one simulated
// cycle as one microsecond, so every timestamp is an integer (a reader that
// converts fractional microseconds could round a slice's end past its
// parent's) and Perfetto's "1 s" reads as 1,000,000 cycles.

/** Trace microseconds per simulated cycle. */
export const US_PER_CYCLE = 1;
export const TIME_UNIT = '1 us of trace time = 1 simulated cycle';

/** A timestamp or duration in the format's unit, from simulated cycles. */
export const us = (cycles: number): number => cycles * US_PER_CYCLE;

export interface TraceEvent {
  readonly ph: 'B' | 'E' | 'X' | 'C' | 'M' | 'i';
  readonly ts: number;
  readonly pid: number;
  readonly tid?: number;
  readonly name?: string;
  readonly cat?: string;
  readonly dur?: number;
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface TraceFile {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: 'ms' | 'ns';
  /** Free-form fields readers show as the trace's metadata. */
  readonly otherData: Readonly<Record<string, string | number>>;
}

/** A slice known once it has ended: [ts, end], and its depth among slices that share both ends. */
export interface Slice {
  readonly name: string;
  readonly cat: string;
  readonly ts: number;
  readonly end: number;
  readonly depth: number;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** Metadata naming a process or a thread (track), or fixing its place in the list. */
export function meta(pid: number, name: 'process_name' | 'process_sort_index', value: string | number): TraceEvent;
export function meta(pid: number, name: 'thread_name' | 'thread_sort_index', value: string | number, tid: number): TraceEvent;
export function meta(pid: number, name: string, value: string | number, tid?: number): TraceEvent {
  const key = name.endsWith('_name') ? 'name' : 'sort_index';
  return { name, ph: 'M', ts: 0, pid, ...(tid !== undefined ? { tid } : {}), args: { [key]: value } };
}

/**
 * Begin/end pairs for slices of one track that nest properly (Lanes
 * guarantees it), in the order a reader must see them: parents begin before
 * their children and end after them; a slice that starts where another ends
 * comes after it, unless it is empty and deeper (then it is inside).
 */
export function nest(slices: readonly Slice[], pid: number, tid: number): TraceEvent[] {
  const sorted = slices.map((s, i) => ({ s, i })).sort((a, b) => a.s.ts - b.s.ts || b.s.end - a.s.end || a.s.depth - b.s.depth || a.i - b.i);
  const out: TraceEvent[] = [];
  const open: Slice[] = [];
  const close = () => out.push({ ph: 'E', ts: open.pop()!.end, pid, tid });
  for (const { s } of sorted) {
    for (let top = open.at(-1); top && (s.end > top.end || (s.ts === top.end && s.depth <= top.depth)); top = open.at(-1)) close();
    out.push({ ph: 'B', ts: s.ts, pid, tid, name: s.name, cat: s.cat, ...(s.args ? { args: s.args } : {}) });
    open.push(s);
  }
  while (open.length > 0) close();
  return out;
}

/**
 * Tracks for slices that arrive in the order of their ends, as few as keep
 * each track properly nested: a slice goes on the first track where it
 * crosses no slice already there (it may contain them, or sit inside one).
 * An update's phases are reported as (end, cycles), and a phase whose work
 * was charged to its step may reach back past the start of the phase before
 * it; such a phase goes on a second track rather than being bent.
 */
export class Lanes {
  /** Per track, the outermost slices so far, in order; none crosses another. */
  private readonly roots: { start: number; end: number }[][] = [];

  /** The track (0, 1, ...) for the slice [start, end]; `end` is never before an end placed earlier. */
  place(start: number, end: number): number {
    for (let lane = 0; ; lane++) {
      const roots = (this.roots[lane] ??= []);
      let keep = roots.length;
      while (keep > 0 && roots[keep - 1]!.start >= start) keep--; // these end no later: they nest inside
      const last = roots[keep - 1];
      if (last && last.end > start && last.end < end) continue; // it starts before and ends inside: crossing
      roots.length = keep;
      if (!last || last.end <= start) roots.push({ start, end }); // else it ends with `last`, inside it
      return lane;
    }
  }
}

/** Metadata first, then by time; events at one time keep the order they were recorded in. */
export function ordered(events: readonly TraceEvent[]): TraceEvent[] {
  return [...events].sort((a, b) => (a.ph === 'M' ? 0 : 1) - (b.ph === 'M' ? 0 : 1) || a.ts - b.ts); // Array.prototype.sort is stable
}

/** The file's text: one event per line, so that two traces diff line by line. */
export function serialize(file: TraceFile): string {
  const lines = file.traceEvents.map((e) => JSON.stringify(e));
  return `{"displayTimeUnit":${JSON.stringify(file.displayTimeUnit)},"otherData":${JSON.stringify(file.otherData)},"traceEvents":[\n${lines.join(',\n')}\n]}\n`;
}
