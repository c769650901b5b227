// One measured run for bench/boundary-instructions.ts: boot the workload
// machine with the newest blkdev and simplefs from the catalog (`catalog`)
// or the same compiled files by path (`path`: the boundary and the
// watchdog's checks), warm it up, then run CYCLES simulated cycles (0
// measures boot and warm-up alone) and print the syscalls completed.

import { fileOf, machine } from './boundary.js';
import { newestCompareVersions } from './speed.js';

const mode = process.argv[2] ?? 'catalog';
const cycles = Number(process.argv[3] ?? 3_000_000);
const specs = newestCompareVersions();
const { k } = await machine(mode === 'path' ? specs.map(fileOf) : specs, 16);
k.run(200_000);
const s0 = k.stats.syscalls;
k.run(cycles);
console.log(`syscalls ${k.stats.syscalls - s0}`);
