// The `--trace FILE` option of `run`, `demo` and `compare`: the path is
// checked before the run, a Tracer (trace/tracer.ts) is attached to each
// kernel as it boots, and the file is written when the run ends, also when
// it failed (when a trace helps most).

import type { Executive } from '../exec/executive.js';
import { serialize } from '../trace/format.js';
import { Tracer } from '../trace/tracer.js';
import { checkOutputPath, writeOutput } from './output.js';

export const TRACE_HELP = 'write a trace of the run to FILE in the Trace Event format (open it in ui.perfetto.dev; 1 us there is 1 simulated cycle)';

/** What a kernel is called in a trace, by the name the CLI (modules, objects) or compare (procedural, objects) gives it. */
const TITLES = {
  modules: 'procedural kernel (modules, stubs)',
  procedural: 'procedural kernel (modules, stubs)',
  objects: 'object twin (K42 objects, object table)',
} as const;

export type Attach = (k: Executive, kind: keyof typeof TITLES) => void;

/**
 * Run `body`, which calls `attach` for each kernel it boots; with a `file`,
 * those kernels are traced and the trace is written there at the end.
 */
export async function traced<T>(file: string | undefined, print: (line: string) => void, body: (attach: Attach) => Promise<T>): Promise<T> {
  if (file === undefined) return body(() => {});
  checkOutputPath(file);
  const tracer = new Tracer();
  try {
    return await body((k, kind) => tracer.attach(k, TITLES[kind]));
  } finally {
    if (tracer.attached > 0) {
      writeOutput(file, serialize(tracer.finish()));
      print(`trace written to ${file} (open it in ui.perfetto.dev)`);
    }
  }
}
