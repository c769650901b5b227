// The matrix of a sweep (livemod sweep): which runs there are. A run is one
// machine (seed, CPU count), one workload (thread count), one kernel and one
// strategy, and it applies the sweep's update steps in order, one row per
// step. Runs are independent and deterministic, so they can go to any
// worker in any order, and a sweep splits across machines by seed range.
//
// Steps are a sequence, like `livemod compare`'s, because most updates need
// an earlier one to have happened (simplefs@1.2.0 takes over from 1.1.0): a
// step that is refused or aborts leaves the machine as it was, and the next
// steps are still tried.

import { COMPARE_BOOT, COMPARE_STEPS, type KernelKind } from '../compare/compare.js';
import { err } from '../exec/errno.js';
import { parseUpdateStep, type UpdateStep } from '../exec/lifecycle.js';
import type { ModuleSigOptions } from '../kernel/modsig.js';

export const KERNEL_KINDS: readonly KernelKind[] = ['modules', 'objects'];

/** `default` asks for no strategy: each update gets the one its kernel's plan picks. */
export const DEFAULT_STRATEGY = 'default';
/** Stands for `default` and every strategy some kernel offers. */
export const ALL_STRATEGIES = 'all';

/** The steps of `livemod compare`, as step texts. */
export const DEFAULT_STEPS: readonly string[] = COMPARE_STEPS.map((s) => `${s.spec}${s.lazy === true ? ' --lazy' : s.lazy === false ? ' --eager' : ''}`);

export interface SweepMatrix {
  readonly seeds: readonly number[];
  readonly cpus: readonly number[];
  readonly threads: readonly number[];
  readonly kernels: readonly KernelKind[];
  /** Strategy names, or `default`. */
  readonly strategies: readonly string[];
  /** Update steps, applied in this order in every run (`a@1 b@2`, `revert a`, with `--lazy` or `--eager`). */
  readonly steps: readonly string[];
  /** What each kernel boots with (`name@version`: modules, or the twin's releases). */
  readonly boot: readonly string[];
  /** Cycles the workload runs before the first step, and after each step ends. */
  readonly warmup: number;
  readonly gap: number;
  /** Quiescence timeout of each update (cycles); the updater's default when absent. */
  readonly timeout?: number;
}

export const DEFAULT_MATRIX: SweepMatrix = {
  seeds: [1, 2, 3, 4],
  cpus: [4],
  threads: [4],
  kernels: KERNEL_KINDS,
  strategies: [DEFAULT_STRATEGY],
  steps: DEFAULT_STEPS,
  boot: COMPARE_BOOT,
  warmup: 300_000,
  gap: 400_000,
};

/** One run of the matrix: its point in each dimension, and what every run shares. */
export interface SweepJob extends Pick<SweepMatrix, 'steps' | 'boot' | 'warmup' | 'gap' | 'timeout'> {
  /** The procedural kernel's signature policy (`--require-signed`, `--trusted-key`). */
  readonly moduleSig?: ModuleSigOptions;
  readonly seed: number;
  readonly cpus: number;
  readonly threads: number;
  readonly kernel: KernelKind;
  readonly strategy: string;
}

/** A step as a sweep names it: an update step, and `--lazy` (true) or `--eager` (false) if given. */
export function parseSweepStep(text: string): { step: UpdateStep; lazy?: boolean } {
  const words = text.trim().split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const bad = flags.find((f) => f !== '--lazy' && f !== '--eager');
  if (bad) throw err('EINVAL', `step '${text}': unknown flag ${bad}`, 'a step takes --lazy or --eager');
  if (flags.length > 1) throw err('EINVAL', `step '${text}': give --lazy or --eager, once`);
  const step = parseUpdateStep(words.filter((w) => !w.startsWith('--')).join(' '));
  return flags.length ? { step, lazy: flags[0] === '--lazy' } : { step };
}

/**
 * Seeds from `1..100`, `1-50`, `7`, or several of those separated by commas
 * (a range includes both ends). EINVAL on anything else or an empty range.
 */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:(?:\.\.|-)(\d+))?$/.exec(part);
    const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || a > b || b > 0xffff_ffff) throw err('EINVAL', `seeds must be N, N..M or N-M (comma-separated, 0..4294967295, N <= M), got '${part}'`, 'e.g. --seeds 1..100');
    if (out.length + b - a + 1 > 1_000_000) throw err('EINVAL', `--seeds '${text}' names more than a million seeds`, 'split the sweep by seed range');
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

/**
 * The runs of a matrix, seed outermost (so that the rows of a seed range
 * are a contiguous block), then CPUs, threads, kernel and strategy. A
 * strategy a kernel does not offer (`offered`) makes no run there.
 */
export function sweepJobs(m: SweepMatrix, offered: (kernel: KernelKind) => readonly string[], moduleSig?: ModuleSigOptions): SweepJob[] {
  const jobs: SweepJob[] = [];
  const shared = { steps: m.steps, boot: m.boot, warmup: m.warmup, gap: m.gap, ...(m.timeout !== undefined ? { timeout: m.timeout } : {}), ...(moduleSig ? { moduleSig } : {}) };
  for (const seed of m.seeds)
    for (const cpus of m.cpus)
      for (const threads of m.threads)
        for (const kernel of m.kernels)
          for (const strategy of m.strategies) {
            if (strategy !== DEFAULT_STRATEGY && !offered(kernel).includes(strategy)) continue;
            jobs.push({ seed, cpus, threads, kernel, strategy, ...shared });
          }
  return jobs;
}
