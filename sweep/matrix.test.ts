// The matrix of a sweep: seed ranges in both spellings, steps with their
// lazy or eager flag, and runs seed outermost with the strategies a kernel
// does not offer left out.

import { describe, expect, it } from 'vitest';
import { DEFAULT_MATRIX, DEFAULT_STEPS, parseSeeds, parseSweepStep, sweepJobs } from './matrix.js';

describe('seeds', () => {
  it('are read as single seeds, N..M and N-M ranges (both ends included), comma-separated', () => {
    expect(parseSeeds('7')).toEqual([7]);
    expect(parseSeeds('1..4')).toEqual([1, 2, 3, 4]);
    expect(parseSeeds('1-3,10,20..21')).toEqual([1, 2, 3, 10, 20, 21]);
  });

  it('refuse anything else with EINVAL', () => {
    for (const bad of ['', 'a', '5..2', '1...3', '-1', '1..', '4294967296']) expect(() => parseSeeds(bad), bad).toThrow(/^EINVAL|seeds must be/);
  });
});

describe('steps', () => {
  it('are update steps with an optional --lazy or --eager', () => {
    expect(parseSweepStep('blkdev@2.0.0 simplefs@2.0.0')).toEqual({ step: { kind: 'update', specs: ['blkdev@2.0.0', 'simplefs@2.0.0'] } });
    expect(parseSweepStep('simplefs@2.1.0 --lazy')).toEqual({ step: { kind: 'update', specs: ['simplefs@2.1.0'] }, lazy: true });
    expect(parseSweepStep('revert simplefs --eager')).toEqual({ step: { kind: 'revert', specs: ['simplefs'] }, lazy: false });
    expect(() => parseSweepStep('simplefs@1.1.0 --fast')).toThrow(/unknown flag --fast/);
    expect(() => parseSweepStep('simplefs@2.1.0 --lazy --eager')).toThrow(/once/);
  });

  it("default to compare's sequence, with its lazy and eager steps", () => {
    expect(DEFAULT_STEPS).toContain('simplefs@2.1.0 --lazy');
    expect(DEFAULT_STEPS).toContain('simplefs@2.1.0 --eager');
    expect(DEFAULT_STEPS.at(-1)).toBe('simplefs@3.0.0');
  });
});

describe('the runs of a matrix', () => {
  it('go seed outermost and leave out a strategy the kernel does not offer', () => {
    const offers = { modules: ['module', 'per-task', 'stop-machine'], objects: ['hot-swap'] } as const;
    const jobs = sweepJobs({ ...DEFAULT_MATRIX, seeds: [1, 2], cpus: [2, 4], strategies: ['default', 'module', 'hot-swap'] }, (k) => offers[k]);
    // Per seed and CPU count: modules with default and module, objects with default and hot-swap.
    expect(jobs).toHaveLength(2 * 2 * 4);
    expect(jobs.slice(0, 4).map((j) => `${j.seed} ${j.cpus} ${j.kernel} ${j.strategy}`)).toEqual(['1 2 modules default', '1 2 modules module', '1 2 objects default', '1 2 objects hot-swap']);
    expect(jobs.slice(8).every((j) => j.seed === 2)).toBe(true);
    expect(jobs.every((j) => j.steps === DEFAULT_MATRIX.steps)).toBe(true);
  });
});
