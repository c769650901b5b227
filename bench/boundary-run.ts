// One measured run for bench/boundary-instructions.ts, in a mode of
// bench/boundary.ts (`catalog`, `sandbox`, `path`, or `membrane`, the
// experiment, for `workload` only). `workload`: boot the
// workload machine, warm it up, then run COUNT simulated cycles (0 measures
// boot and warm-up alone). `checks`: write 64 KiB to /dev/bm (a loop of a
// check a byte, bench/boundary-module.ts) COUNT times. Prints the syscalls
// measured and the watchdog's checks run meanwhile (0 but in `path`).

import { loadFromPath } from '../catalog/catalog.js';
import type { Sys } from '../exec/abi.js';
import { runProgram } from '../exec/executive.js';
import { checksRun } from '../exec/watchdog.js';
import { bootKernel } from '../kernel/kernel.js';
import { deviceFile, EXPERIMENT_MODES, type ExperimentMode, machine } from './boundary.js';
import device from './boundary-module.js';

const mode = (process.argv[2] ?? 'catalog') as ExperimentMode;
if (!EXPERIMENT_MODES.includes(mode)) throw new Error(`mode is one of ${EXPERIMENT_MODES.join(', ')}`);
const count = Number(process.argv[3] ?? 2_000_000);
const what = process.argv[4] ?? 'workload';

if (what === 'workload') {
  const { k } = await machine(mode, 16);
  k.run(200_000);
  const s0 = k.stats.syscalls;
  const c0 = checksRun();
  k.run(count);
  console.log(`syscalls ${k.stats.syscalls - s0} checks ${checksRun() - c0}`);
} else {
  const k = bootKernel({ seed: 1, cpus: 1 });
  const { def, source } = mode === 'catalog' ? { def: device, source: 'catalog:bm@1.0.0' } : await loadFromPath(deviceFile(), undefined, { watchdog: mode === 'path' });
  k.loader.insmod(def, {}, source);
  const data = new Uint8Array(65_536).fill(7);
  const c0 = checksRun();
  runProgram(k, 'bm', function* (sys: Sys) {
    const fd = yield* sys.open('/dev/bm', 0o1); // O_WRONLY
    for (let i = 0; i < count; i++) yield* sys.write(fd, data);
    yield* sys.close(fd);
  });
  console.log(`syscalls ${count} checks ${checksRun() - c0}`);
}
