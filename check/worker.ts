// A worker thread of a check: takes one run at a time from the pool
// (pool/pool.ts), runs it, and sends back its outcome.

import { serve } from '../pool/pool.js';
import { runJob } from './scenario.js';

serve(runJob);
