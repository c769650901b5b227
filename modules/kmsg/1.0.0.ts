// kmsg 1.0.0: the kernel log as a character device (/dev/kmsg). Records live
// in a ring of `capacity` per-instance records keyed by sequence number
// modulo the capacity; reading returns one record per read, as Linux's
// /dev/kmsg does, and the file position is the next sequence number.

import { type Ctx, defineModule } from '../../kernel/module.js';

interface KmsgState {
  /** Sequence number of the next record. */
  readonly next: number;
  /** Oldest sequence number still in the ring. */
  readonly first: number;
}

interface LogRecord {
  readonly seq: number;
  readonly text: string;
}

type M = Ctx<KmsgState>;

function append(m: M, text: string): number {
  const cap = m.params.capacity as number;
  const { next, first } = m.state();
  m.records<LogRecord>('log').put(next % cap, { seq: next, text });
  m.commit((s) => {
    s.next = next + 1;
    if (next + 1 - first > cap) s.first = next + 1 - cap;
  });
  return next;
}

/** The record with the smallest sequence number >= `from`, if any. */
function readRecord(m: M, from: number): LogRecord | undefined {
  const { next, first } = m.state();
  const seq = Math.max(from, first);
  if (seq >= next) return undefined;
  const rec = m.records<LogRecord>('log').get(seq % (m.params.capacity as number));
  return rec ? { seq: rec.seq, text: rec.text } : undefined;
}

/**
 * The /dev/kmsg operations over a version's record functions (every version
 * keeps this interface: append a line, read the record at or after a
 * sequence number as text). A write appends one record per line; a read
 * returns one record, and the file position is the next sequence number.
 */
function chrdevOps<C>(appendLine: (m: C, text: string) => number, readText: (m: C, from: number) => { seq: number; text: string } | undefined) {
  return {
    write(m: C, data: Uint8Array): number {
      for (const line of new TextDecoder().decode(data).split('\n')) if (line.length > 0) appendLine(m, line);
      return data.length;
    },
    read(m: C, pos: number, len: number): { data: Uint8Array; pos: number } {
      const rec = readText(m, pos);
      if (!rec) return { data: new Uint8Array(0), pos };
      return { data: new TextEncoder().encode(`${rec.text}\n`).subarray(0, Math.max(len, 0)), pos: rec.seq + 1 };
    },
  };
}

export { chrdevOps };

export default defineModule<KmsgState>({
  name: 'kmsg',
  version: '1.0.0',
  description: 'kernel log ring as the character device /dev/kmsg',
  license: 'MIT',
  params: { capacity: { type: 'int', default: 1024, min: 16, max: 1 << 20, description: 'records kept in the ring' } },
  state: { schema: 1, initial: () => ({ next: 0, first: 0 }) },
  records: { log: 1 },
  exports: {
    kmsg_append: { version: 1, fn: append },
    kmsg_read: { version: 1, fn: readRecord },
  },
  ops: { 'chrdev:kmsg': chrdevOps(append, readRecord) },
});
