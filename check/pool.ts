// Runs of a check spread over the machine's cores: each run is independent
// and deterministic (a pure function of its scenario and request), so worker
// threads can take them in any order and the results are the same as in one
// thread. With one worker the runs happen in this thread (which is also how
// the tests run them, from TypeScript sources a worker could not load).

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Request, runScenario, type RunOutcome, type Scenario } from './scenario.js';

export interface Job {
  readonly scenario: Scenario;
  readonly request: Request | null;
}

/** Workers to use by default: one per core. */
export const defaultWorkers = (): number => Math.max(1, availableParallelism());

/** Run every job; outcomes in the order of `jobs`. `progress` is told after each. */
export async function runJobs(jobs: readonly Job[], workers: number, progress?: (done: number, total: number) => void): Promise<RunOutcome[]> {
  const out: RunOutcome[] = new Array(jobs.length);
  let done = 0;
  const tick = () => progress?.(++done, jobs.length);
  if (workers <= 1 || jobs.length <= 1) {
    for (const [i, j] of jobs.entries()) {
      out[i] = await runScenario(j.scenario, j.request);
      tick();
    }
    return out;
  }
  const url = new URL('./worker.js', import.meta.url);
  let next = 0;
  const pool = Array.from({ length: Math.min(workers, jobs.length) }, () => new Worker(url));
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
            w.on('message', (m: { id: number; outcome?: RunOutcome; error?: string }) => {
              if (m.error !== undefined) return reject(new Error(`check worker: ${m.error}`));
              out[m.id] = m.outcome!;
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
