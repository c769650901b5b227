// The charts of a comparison, over a small document made here (one update
// committed with every kind of phase, one aborted, one refused, on two
// kernels): the specs compile and render without a warning, every panel
// and row names its update with its outcome, and every phase that took
// cycles is one bar.

import { describe, expect, it } from 'vitest';
import type { CompareDocument, KernelDocument } from '../compare/document.js';
import { validate } from '../api/schemas.js';
import { ganttChart, outcomeText, throughputChart } from './compare.js';
import { renderSvg } from './render.js';

type Step = KernelDocument['steps'][number];

const phase = (name: string, at: number, cycles: number) => ({ phase: name, at, cycles, wallUs: 1, detail: `${name} detail` });
const windows = (start: number, end: number) => Array.from({ length: Math.ceil((end - start + 40_000) / 2_000) }, (_, i) => ({ from: start - 20_000 + i * 2_000, to: start - 18_000 + i * 2_000, syscalls: i % 5 }));

function step(kind: string, spec: string, at: number, s: Partial<Step>): Step {
  const end = s.endedAt ?? at;
  return { kind, spec, outcome: 'committed', error: null, strategy: null, startedAt: at, endedAt: null, phases: [], throughput: windows(at, end), waitCycles: 0, pauseWallUs: 0, heldCalls: 0, syscallsDuring: 0, authorLines: null, ...s };
}

function kernel(name: 'procedural' | 'objects', steps: Step[]): KernelDocument {
  return { name, steps, samples: [{ at: 100_000, syscalls: 180 }], syscalls: 180, cycles: 1_000_000, wallMs: 10, ops: 50, failed: 0, wrong: 0, files: 4, bytes: 100, failures: [], trace: 'ab', syscallsPerMillionCycles: 1800, syscallsPerWallSecond: 18_000, lost: 0 };
}

const T = 300_000;
const DOC: CompareDocument = {
  schema: 'livemod.compare/2',
  ok: true,
  seed: 7,
  cpus: 2,
  window: 100_000,
  fineWindow: 2_000,
  kernels: [
    kernel('procedural', [
      step('state change', 'simplefs@1.2.0', T, {
        strategy: 'module',
        endedAt: T + 4_100,
        waitCycles: 4_100,
        heldCalls: 2,
        phases: [phase('plan', T, 0), phase('prepare', T + 100, 300), phase('forward', T + 1_100, 1_000), phase('block', T + 4_100, 3_000), phase('transfer', T + 4_100, 1_000), phase('switch', T + 4_100, 100), phase('commit', T + 4_100, 0)],
      }),
      step('code only', 'blkdev@1.1.0', 2 * T, { outcome: 'aborted', error: 'ETIMEDOUT: blkdev stayed busy', strategy: 'stop-machine', endedAt: 2 * T + 9_000, waitCycles: 9_000, phases: [phase('plan', 2 * T, 0), phase('stop', 2 * T + 9_000, 9_000), phase('abort', 2 * T + 9_000, 0)] }),
      step('new disk layout', 'simplefs@3.0.0', 3 * T, { outcome: 'refused', error: 'EINVAL: simplefs 3.0.0 changes init' }),
    ]),
    kernel('objects', [
      step('state change', 'simplefs@1.2.0', T, { strategy: 'hot-swap', endedAt: T + 11_000, waitCycles: 11_000, heldCalls: 1, phases: [phase('plan', T, 0), phase('forward', T + 9_000, 9_000), phase('block', T + 11_000, 2_000), phase('transfer', T + 11_000, 1_600), phase('complete', T + 11_000, 0), phase('commit', T + 11_000, 0)] }),
      step('code only', 'blkdev@1.1.0', 2 * T, { strategy: 'hot-swap', endedAt: 2 * T + 5_000, waitCycles: 5_000, phases: [phase('plan', 2 * T, 0), phase('forward', 2 * T + 5_000, 5_000), phase('commit', 2 * T + 5_000, 0)] }),
      step('new disk layout', 'simplefs@3.0.0', 3 * T, { outcome: 'refused', error: 'EINVAL: FileSystem 2.1.0 -> 3.0.0' }),
    ]),
  ],
  indirection: { procedural: { viaNs: 10, directNs: 4, extraNs: 6 }, objects: { viaNs: 20, directNs: 4, extraNs: 16 } },
};

/** Render, failing on any warning from Vega-Lite or Vega. */
async function render(spec: Parameters<typeof renderSvg>[0]): Promise<string> {
  const warnings: string[] = [];
  const svg = await renderSvg(spec, (w) => warnings.push(w));
  expect(warnings).toEqual([]);
  return svg;
}

/** The text of every <text> element, and of every line (<tspan>) of one. */
const texts = (svg: string) => [...svg.matchAll(/<(?:text|tspan)[^>]*>([^<]+)</g)].map((m) => m[1]!);

/** The aria-label of every mark item described as `role` (Vega labels each with its fields: `phase: block; ...`). */
const labels = (svg: string, role: string) => [...svg.matchAll(/<[a-z]+ ([^>]*)>/g)].map((m) => m[1]!).filter((a) => a.includes(`aria-roledescription="${role}"`)).map((a) => /aria-label="([^"]*)"/.exec(a)?.[1] ?? '');

describe('the charts of a comparison', () => {
  it('are drawn from a document that conforms to livemod.compare/2', () => {
    expect(validate('livemod.compare/2', DOC)).toEqual([]);
  });

  it('say what became of each update: strategy and wait of a commit, errno of an abort or refusal', () => {
    const [p, o] = DOC.kernels;
    expect(p.steps.map(outcomeText)).toEqual([
      'committed (module) after 4,100 cycles, 2 calls held',
      'aborted (stop-machine) after 9,000 cycles: ETIMEDOUT',
      'refused by the plan (EINVAL): nothing ran',
    ]);
    expect(outcomeText(o.steps[0]!)).toBe('committed (hot-swap) after 11,000 cycles, 1 call held');
  });

  it('throughput around each update: a panel per update and kernel titled with its outcome, a bar per fine window, its phases shaded', async () => {
    const svg = await render(throughputChart(DOC));
    const t = texts(svg);
    for (const k of DOC.kernels) {
      k.steps.forEach((s, i) => {
        expect(t).toContain(`${i + 1} ${s.spec} (${s.kind}), ${k.name}`);
        expect(t).toContain(outcomeText(s));
      });
    }
    const windows = DOC.kernels.flatMap((k) => k.steps.flatMap((s) => s.throughput));
    expect(labels(svg, 'bar')).toHaveLength(windows.length);
    const shaded = DOC.kernels.flatMap((k) => k.steps.flatMap((s) => s.phases.filter((p) => p.cycles > 0).map((p) => p.phase)));
    expect(labels(svg, 'rect mark').map((l) => /phase: ([a-z-]+)/.exec(l)?.[1]).sort()).toEqual(shaded.sort());
    expect(t).toContain('cycles since the update started');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('the Gantt chart: a row per update named with its outcome, a bar per phase that took cycles, a tick where it ended', async () => {
    const svg = await render(ganttChart(DOC));
    const t = texts(svg);
    for (const k of DOC.kernels) k.steps.forEach((s, i) => expect(t).toContain(`${i + 1} ${s.spec}: ${outcomeText(s)}`));
    const bars = labels(svg, 'bar').map((l) => /phase: ([a-z-]+);/.exec(l)?.[1]);
    expect(bars.sort()).toEqual(['block', 'block', 'forward', 'forward', 'forward', 'prepare', 'stop', 'switch', 'transfer', 'transfer']);
    expect(labels(svg, 'tick')).toHaveLength(4); // every update that ran
    expect(t.filter((x) => x === 'refused: no phase ran')).toHaveLength(2);
    expect(t).toEqual(expect.arrayContaining(['procedural (modules, stubs)', 'objects (K42 twin, object table)']));
  });
});
