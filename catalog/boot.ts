// Booting a machine with modules from the catalog: what the CLI, the demo,
// the tests and the benchmarks start from.

import type { MachineConfig } from '../hw/machine.js';
import { loadModuleDef } from './catalog.js';
import { bootKernel, type Kernel, type KernelOptions } from '../kernel/kernel.js';

/** The modules of the default machine, in load order. */
export const DEFAULT_MODULES = ['kmsg', 'blkdev', 'simplefs'] as const;

/** Boot a kernel and insmod each spec (`name`, `name@version` or a path). */
export async function bootWithModules(
  specs: readonly string[],
  config: Partial<MachineConfig> = {},
  options: KernelOptions = {},
): Promise<Kernel> {
  const k = bootKernel(config, options);
  for (const spec of specs) {
    const { def, source } = await loadModuleDef(spec);
    k.loader.insmod(def, {}, source);
  }
  return k;
}
