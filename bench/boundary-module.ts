// A small character device for bench/boundary.ts: each read of /dev/bm runs
// a little module code (a helper, a loop over the bytes, a commit), so the
// cost of the watchdog's checks and of the sandbox shows in a syscall that
// does little else. The bench imports it as in-tree code and loads the same
// compiled file by path. A write sums its bytes in a loop that does little
// but pass the watchdog's check once a byte: what one check costs
// (bench/boundary-instructions.ts).

import { defineModule } from '../kernel/module.js';

interface State {
  readonly reads: number;
}

/** Bytes `pos`, `pos + 1`, ... (mod 256). */
function fill(buf: Uint8Array, pos: number): void {
  for (let i = 0; i < buf.length; i++) buf[i] = (pos + i) & 0xff;
}

export default defineModule<State>({
  name: 'bm',
  version: '1.0.0',
  description: 'a device whose reads run a little module code (bench/boundary.ts)',
  state: { schema: 1, initial: () => ({ reads: 0 }) },
  ops: {
    'chrdev:bm': {
      read(m, pos: number, len: number) {
        const buf = new Uint8Array(Math.min(len, 16));
        fill(buf, pos);
        m.put({ reads: m.state().reads + 1 });
        return { data: buf, pos: pos + buf.length }; // never at the end: every read returns bytes
      },
      write(m, data: Uint8Array) {
        let sum = 0;
        for (let i = 0; i < data.length; i++) sum = (sum + data[i]!) | 0;
        m.put({ reads: m.state().reads + (sum & 1) });
        return data.length;
      },
    },
  },
});
