// A worker thread of a check: takes one run at a time from the pool
// (pool.ts), runs it, and sends back its outcome.

import { parentPort } from 'node:worker_threads';
import type { Job } from './pool.js';
import { runScenario } from './scenario.js';

parentPort!.on('message', async (m: { id: number; job: Job }) => {
  try {
    parentPort!.postMessage({ id: m.id, outcome: await runScenario(m.job.scenario, m.job.request) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});
