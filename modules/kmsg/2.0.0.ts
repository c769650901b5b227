// kmsg 2.0.0: a different record layout. 1.0 kept each log line as one
// string (`[      time] text`); 2.0 keeps its parts, the time as a number and
// the message, so readers can filter by time without parsing. Records go
// from schema 1 to 2 through `upgrade.instance.log`, and back through
// `downgrade.instance.log`, which rebuilds the very same string. A line that
// was written to /dev/kmsg without a time stamp keeps `time: null`.

import { type Ctx, defineModule } from '../../kernel/module.js';
import { chrdevOps } from './1.0.0.js';

interface KmsgState {
  readonly next: number;
  readonly first: number;
}

interface LogRecord {
  readonly seq: number;
  /** Cycles, or null for a line that carried no time stamp. */
  readonly time: number | null;
  readonly msg: string;
}

type M = Ctx<KmsgState>;

const STAMPED = /^\[ *(\d+)\] (.*)$/s;

/** `[      time] text` -> parts; the inverse of render(). */
function parse(text: string): { time: number | null; msg: string } {
  const m = STAMPED.exec(text);
  if (!m || render(Number(m[1]), m[2]!) !== text) return { time: null, msg: text };
  return { time: Number(m[1]), msg: m[2]! };
}

function render(time: number | null, msg: string): string {
  return time === null ? msg : `[${String(time).padStart(10)}] ${msg}`;
}

function append(m: M, text: string): number {
  const cap = m.params.capacity as number;
  const { next, first } = m.state();
  m.records<LogRecord>('log').put(next % cap, { seq: next, ...parse(text) });
  m.commit((s) => {
    s.next = next + 1;
    if (next + 1 - first > cap) s.first = next + 1 - cap;
  });
  return next;
}

/** Same interface as 1.0: the record with the smallest sequence number >= `from`, as text. */
function readRecord(m: M, from: number): { seq: number; text: string } | undefined {
  const { next, first } = m.state();
  const seq = Math.max(from, first);
  if (seq >= next) return undefined;
  const rec = m.records<LogRecord>('log').get(seq % (m.params.capacity as number));
  return rec ? { seq: rec.seq, text: render(rec.time, rec.msg) } : undefined;
}


export default defineModule<KmsgState>({
  name: 'kmsg',
  version: '2.0.0',
  description: 'kernel log ring as /dev/kmsg, records kept as time and message',
  license: 'MIT',
  params: { capacity: { type: 'int', default: 1024, min: 16, max: 1 << 20, description: 'records kept in the ring' } },
  state: { schema: 1, initial: () => ({ next: 0, first: 0 }) },
  records: { log: 2 },
  exports: {
    kmsg_append: { version: 1, fn: append },
    kmsg_read: { version: 1, fn: readRecord },
  },
  ops: { 'chrdev:kmsg': chrdevOps(append, readRecord) },
  upgrade: {
    from: ['1.0.0'],
    instance: { log: (old: { seq: number; text: string }): LogRecord => ({ seq: old.seq, ...parse(old.text) }) },
  },
  downgrade: {
    to: ['1.0.0'],
    instance: { log: (cur: LogRecord) => ({ seq: cur.seq, text: render(cur.time, cur.msg) }) },
  },
});
