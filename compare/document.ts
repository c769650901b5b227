// The comparison as a versioned document (`livemod.compare/2`): what
// `livemod compare --json` prints and the API's `compare` returns. It is the
// measured result plus the figures the console table derives from it
// (throughput per simulated and per wall-clock time, operations lost), so
// the table (cli/compare.ts) prints these very numbers and the charts
// (charts/compare.ts) draw them. Version 2 added each step's strategy,
// end, phases and throughput in fine windows around it, and `fineWindow`.

import { compare, type CompareOptions, type CompareResult, type KernelResult } from './compare.js';
import type { IndirectionCost } from './indirection.js';

export const COMPARE_SCHEMA = 'livemod.compare/2';

export interface KernelDocument extends KernelResult {
  /** Workload syscalls per million simulated cycles. */
  readonly syscallsPerMillionCycles: number;
  /** Workload syscalls per second of wall-clock time: the simulator's own speed on this host. */
  readonly syscallsPerWallSecond: number;
  /** Failed operations plus files whose bytes differ: must be 0. */
  readonly lost: number;
}

export interface CompareDocument {
  readonly schema: typeof COMPARE_SCHEMA;
  /** Both kernels lost nothing. */
  readonly ok: boolean;
  readonly seed: number;
  readonly cpus: number;
  /** Simulated cycles of one throughput sample. */
  readonly window: number;
  /** Simulated cycles of one fine window in the throughput around each update. */
  readonly fineWindow: number;
  readonly kernels: readonly [KernelDocument, KernelDocument];
  readonly indirection: { readonly procedural: IndirectionCost; readonly objects: IndirectionCost };
}

function kernelDocument(r: KernelResult): KernelDocument {
  return {
    ...r,
    steps: r.steps.map((s) => ({ ...s, phases: s.phases.map((p) => ({ ...p })), throughput: s.throughput.map((w) => ({ ...w })) })),
    samples: r.samples.map((s) => ({ ...s })),
    failures: [...r.failures],
    syscallsPerMillionCycles: (r.syscalls / r.cycles) * 1e6,
    syscallsPerWallSecond: r.syscalls / (r.wallMs / 1000),
    lost: r.failed + r.wrong,
  };
}

export function compareDocument(c: CompareResult): CompareDocument {
  const kernels = [kernelDocument(c.kernels[0]), kernelDocument(c.kernels[1])] as const;
  return {
    schema: COMPARE_SCHEMA,
    ok: kernels.every((k) => k.lost === 0),
    seed: c.seed,
    cpus: c.cpus,
    window: c.window,
    fineWindow: c.fineWindow,
    kernels,
    indirection: { procedural: { ...c.indirection.procedural }, objects: { ...c.indirection.objects } },
  };
}

/** Run the comparison and return it as a document. */
export async function compareKernels(opts: CompareOptions): Promise<CompareDocument> {
  return compareDocument(await compare(opts));
}
