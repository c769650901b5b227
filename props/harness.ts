// Running per-thread operation sequences on a machine and through the model:
// the two sides every filesystem property compares.

import { bootWithModules } from '../catalog/boot.js';
import { isKernelError } from '../exec/errno.js';
import { runProgram } from '../exec/executive.js';
import type { Executive } from '../exec/executive.js';
import type { Kernel } from '../kernel/kernel.js';
import { bootObjectKernel, type ObjectKernel } from '../oo/kernel.js';
import type { Sys } from '../exec/abi.js';
import type { KGen, Thread } from '../exec/thread.js';
import { AUDIT } from './arbitraries.js';
import { applyToKernel, type FsOp, FsModel } from './fsmodel.js';

/** Mount simplefs on /mnt and make one directory per thread. */
function setup(k: Executive, threads: number): void {
  runProgram(k, 'setup', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
    for (let t = 0; t < threads; t++) yield* sys.mkdir(`/mnt/t${t}`);
  });
}

/** Boot with `modules`, mount simplefs on /mnt and make one directory per thread. */
export async function fsMachine(modules: readonly string[], seed: number, cpus: number, threads: number): Promise<Kernel> {
  const k = await bootWithModules(modules, { seed, cpus });
  setup(k, threads);
  return k;
}

/** The object twin, set up as fsMachine sets up the procedural kernel. */
export function ooFsMachine(seed: number, cpus: number, threads: number, releases?: Readonly<Record<string, string>>): ObjectKernel {
  const k = bootObjectKernel({ seed, cpus }, releases ? { releases } : {});
  setup(k, threads);
  return k;
}

/** Start one user thread per sequence; each appends its results to `out[t]`. */
export function startThreads(k: Executive, threads: readonly (readonly FsOp[])[], out: string[][]): Thread[] {
  return threads.map((ops, t) =>
    k.spawnUser(`p${t}`, function* (sys: Sys): KGen<void> {
      for (const o of ops) out[t]!.push(yield* applyToKernel(sys, `/mnt/t${t}`, o));
    }),
  );
}

/** What the model says each thread sees. */
export function modelResults(threads: readonly (readonly FsOp[])[]): string[][] {
  return threads.map((ops) => {
    const model = new FsModel();
    return ops.map((o) => model.apply(o));
  });
}

/**
 * After the workload: every thread reads its whole tree (AUDIT). What each
 * thread saw, its audit appended, and what the model says it should have
 * seen; a property expects the two to be equal.
 */
export function audited(k: Executive, threads: readonly (readonly FsOp[])[], got: readonly string[][]): { seen: string[][]; model: string[][] } {
  const audit: string[][] = threads.map(() => []);
  for (const w of startThreads(k, threads.map(() => AUDIT), audit)) k.runThread(w);
  return { seen: got.map((r, t) => [...r, ...audit[t]!]), model: modelResults(threads.map((ops) => [...ops, ...AUDIT])) };
}

/** Run `program` as a user thread: its result, or the errno it failed with (anything else is rethrown). */
export function attempt<T>(k: Executive, program: (sys: Sys) => KGen<T>): T | string {
  try {
    return runProgram<T>(k, 'user', program);
  } catch (e) {
    if (isKernelError(e)) return e.errno;
    throw e;
  }
}
