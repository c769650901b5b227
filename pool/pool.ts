// A pool of worker threads for host tooling (livemod check, livemod sweep):
// jobs are independent and deterministic (each a pure function of its
// input), so workers can take them in any order and the results, returned in
// the order of the jobs, are the same as in one thread. With one worker the
// jobs run in this thread (which is also how the tests run them, from
// TypeScript sources a worker could not load).
//
// A tool names its job runner twice: as `run`, for this thread, and as a
// worker script that calls `serve(run)` with the same function.

import { availableParallelism } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';

/** What a pool runs: one job, here or in the worker script that serves the same function. */
export interface PoolTask<J, R> {
  /** The worker script (its built `.js`), which calls `serve` with `run`. */
  readonly worker: URL;
  readonly run: (job: J) => Promise<R>;
}

/** Workers to use by default: one per core. */
export const defaultWorkers = (): number => Math.max(1, availableParallelism());

/** Run every job; results in the order of `jobs`. `progress` is told after each. */
export async function runJobs<J, R>(task: PoolTask<J, R>, jobs: readonly J[], workers: number, progress?: (done: number, total: number) => void): Promise<R[]> {
  const out: R[] = new Array(jobs.length);
  let done = 0;
  const tick = () => progress?.(++done, jobs.length);
  if (workers <= 1 || jobs.length <= 1) {
    for (const [i, j] of jobs.entries()) {
      out[i] = await task.run(j);
      tick();
    }
    return out;
  }
  let next = 0;
  const pool = Array.from({ length: Math.min(workers, jobs.length) }, () => new Worker(task.worker));
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              if (next >= jobs.length) return resolve();
              const id = next++;
              w.postMessage({ id, job: jobs[id] });
            };
            w.on('message', (m: { id: number; result?: R; error?: string }) => {
              if (m.error !== undefined) return reject(new Error(`worker: ${m.error}`));
              out[m.id] = m.result!;
              tick();
              give();
            });
            w.on('error', reject);
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return out;
}

/** The body of a worker script: take one job at a time from the pool, run it, send back its result (or its error). */
export function serve<J, R>(run: (job: J) => Promise<R>): void {
  parentPort!.on('message', async (m: { id: number; job: J }) => {
    try {
      parentPort!.postMessage({ id: m.id, result: await run(m.job) });
    } catch (e) {
      parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
}
