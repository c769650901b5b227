// Booting a machine with modules from the catalog: what the CLI, the demo,
// the tests and the benchmarks start from.

import type { MachineConfig } from '../hw/machine.js';
import { bootKernel, type Kernel, type KernelOptions } from '../kernel/kernel.js';
import { moduleTrust } from './trust.js';

/** The modules of the default machine, in load order. */
export const DEFAULT_MODULES = ['kmsg', 'blkdev', 'simplefs'] as const;

/** Boot a kernel and insmod each spec (`name`, `name@version` or a path), each file checked against `options.moduleSig` (catalog/trust.ts). */
export async function bootWithModules(
  specs: readonly string[],
  config: Partial<MachineConfig> = {},
  options: KernelOptions = {},
): Promise<Kernel> {
  const k = bootKernel(config, options);
  for (const spec of specs) await moduleTrust(k).insmod(spec);
  return k;
}
