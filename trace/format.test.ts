// The format's rules on their own: slices that would cross go to another
// track, begin/end pairs come out in the order a reader nests them, and
// sorting by time keeps what was recorded at one time in its order.

import { describe, expect, it } from 'vitest';
import { Lanes, nest, ordered, serialize, type Slice, type TraceEvent } from './format.js';

const slice = (name: string, ts: number, end: number, depth = 0): Slice => ({ name, cat: 'test', ts, end, depth });
const shape = (events: TraceEvent[]) => events.map((e) => (e.ph === 'B' ? `B ${e.name}@${e.ts}` : `E@${e.ts}`));

describe('Lanes', () => {
  it('keeps slices that nest or follow each other on one track and moves a crossing one to the next', () => {
    const lanes = new Lanes();
    expect(lanes.place(0, 10)).toBe(0);
    expect(lanes.place(10, 20)).toBe(0); // touching
    expect(lanes.place(15, 20)).toBe(0); // inside [10, 20], same end
    expect(lanes.place(5, 30)).toBe(1); // starts inside [0, 10], ends after it: crossing
    expect(lanes.place(0, 30)).toBe(0); // contains everything on track 0
    expect(lanes.place(30, 30)).toBe(0);
  });
});

describe('nest', () => {
  it('writes parents around children, also when they start together, and a slice that starts where one ends after it', () => {
    const out = nest([slice('child', 0, 5, 1), slice('parent', 0, 10), slice('next', 5, 10, 1), slice('mark', 10, 10, 1), slice('after', 10, 12)], 1, 7);
    // `mark` is empty at 10, where `parent` ends and `after` begins: inside either is a proper nesting; it goes into the longer.
    expect(shape(out)).toEqual(['B parent@0', 'B child@0', 'E@5', 'B next@5', 'E@10', 'E@10', 'B after@10', 'B mark@10', 'E@10', 'E@12']);
    expect(out.every((e) => e.pid === 1 && e.tid === 7)).toBe(true);
  });

  it('tells two empty slices at one moment apart by depth', () => {
    expect(shape(nest([slice('a', 3, 3, 0), slice('b', 3, 3, 0), slice('in-b', 3, 3, 1)], 1, 1))).toEqual(['B a@3', 'E@3', 'B b@3', 'B in-b@3', 'E@3', 'E@3']);
  });
});

describe('ordered and serialize', () => {
  it('puts metadata first and keeps events at one time in the order they were recorded', () => {
    const events: TraceEvent[] = [
      { ph: 'B', ts: 5, pid: 1, tid: 1, name: 'late' },
      { ph: 'B', ts: 2, pid: 1, tid: 1, name: 'x' },
      { ph: 'E', ts: 2, pid: 1, tid: 1 },
      { ph: 'M', ts: 0, pid: 1, name: 'process_name', args: { name: 'p' } },
      { ph: 'E', ts: 5, pid: 1, tid: 1 },
    ];
    const o = ordered(events);
    expect(o.map((e) => `${e.ph}${e.ts}`)).toEqual(['M0', 'B2', 'E2', 'B5', 'E5']);
    const text = serialize({ traceEvents: o, displayTimeUnit: 'ms', otherData: { a: 1 } });
    expect(JSON.parse(text)).toEqual({ traceEvents: o, displayTimeUnit: 'ms', otherData: { a: 1 } });
    expect(text.split('\n')).toHaveLength(o.length + 3); // one event per line
  });
});
