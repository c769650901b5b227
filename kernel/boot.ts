// Booting a machine with modules from the catalog: what the CLI, the demo,
// the tests and the benchmarks start from.

import type { MachineConfig } from '../hw/machine.js';
import { loadModuleDef } from './catalog.js';
import { bootKernel, type Kernel, type KernelOptions } from './kernel.js';

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

/** Run `program` as a user thread to completion and return its result. */
export function runProgram<T>(k: Kernel, name: string, program: Parameters<Kernel['spawnUser']>[1], maxCycles?: number): T {
  return k.runThread(k.spawnUser(name, program), maxCycles) as T;
}
