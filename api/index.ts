// livemod's experiment API, the package's root entry (`import ... from
// 'livemod'`): boot a machine with either kernel, mount, run the verifying
// workload, start and run updates by spec, advance time, and read history,
// statistics and results as plain data with versioned schemas. The same
// calls work on the procedural kernel and on the object twin. The CLI is a
// layer over the same pieces. A module's own API is the other entry,
// `livemod/module` (kernel/module.ts). The README documents both.

export { boot, DEFAULT_BOOT, PendingUpdate, Testbed, type BootOptions } from './testbed.js';
export {
  errorData,
  HISTORY_SCHEMA,
  STAT_SCHEMA,
  type ErrorData,
  type HistoryReport,
  type KernelKind,
  type StatReport,
  type TaintReport,
  type TransitionData,
  type UpdateData,
  type WorkloadReport,
} from './data.js';
export { SCHEMAS, validate, type SchemaName } from './schemas.js';
export { COMPARE_SCHEMA, compareKernels as compare, type CompareDocument, type KernelDocument } from '../compare/document.js';
export { COMPARE_STEPS, type CompareOptions } from '../compare/compare.js';
export { DEFAULT_UPDATE_TIMEOUT, type UpdateOptions } from '../exec/lifecycle.js';
export type { PatchState, SignalReport } from '../exec/pending.js';
export { isKernelError, KernelError, type Errno } from '../exec/errno.js';
export { DEFAULT_WORKLOAD, type WorkloadConfig } from '../user/workload.js';
export type { KillReport } from './control.js';
export { DEFAULT_IO_TIMEOUT } from '../exec/iotimeout.js';
export type { Sys } from '../exec/abi.js';
export type { KGen } from '../exec/thread.js';
export type { MachineConfig } from '../hw/machine.js';
export type { Kernel } from '../kernel/kernel.js';
export type { ObjectKernel } from '../oo/kernel.js';
