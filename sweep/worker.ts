// A worker thread of a sweep: takes one run at a time from the pool
// (pool/pool.ts), runs it (run.ts), and sends back its rows.

import { serve } from '../pool/pool.js';
import { runSweepJob } from './run.js';

serve(runSweepJob);
