// The charts of `livemod compare --svg`, as Vega-Lite specifications over its
// document (compare/document.ts, livemod.compare/2):
//
// - throughput around each update: per update and kernel, the workload's
//   syscalls per million cycles in fine windows from before the update's
//   start to after its end, its phases shaded behind, its outcome in the
//   panel's title;
// - a Gantt chart of every update's phases: per kernel a row per update,
//   named with its strategy and outcome, the phases as bars in simulated
//   cycles since the update started.
//
// Each update lasts a few thousand cycles, so both charts put every update
// on its own time axis, relative to its start, instead of on the run's.

import type { CompareDocument, KernelDocument } from '../compare/document.js';
import { type Lane, phaseBars, phaseScale } from './phases.js';
import type { LayerSpec } from 'vega-lite/types_unstable/spec/layer.js';
import { BASE_CONFIG, type ChartSpec, VEGA_LITE_SCHEMA } from './spec.js';

type Step = KernelDocument['steps'][number];

const KERNEL_LABEL: Record<KernelDocument['name'], string> = { procedural: 'procedural (modules, stubs)', objects: 'objects (K42 twin, object table)' };
const KERNEL_COLOR: Record<KernelDocument['name'], string> = { procedural: '#1f6fb4', objects: '#e3761b' };
const n0 = (n: number) => Math.round(n).toLocaleString('en-US');
const plural = (n: number, one: string) => `${n0(n)} ${one}${n === 1 ? '' : 's'}`;

/** What became of an update, in a few words: outcome, strategy, and for a commit its wait and held calls. */
export function outcomeText(s: Step): string {
  if (s.outcome === 'refused') return `refused by the plan (${(s.error ?? '').split(':')[0]}): nothing ran`;
  if (s.outcome === 'aborted') return `aborted (${s.strategy}) after ${plural((s.endedAt ?? s.startedAt) - s.startedAt, 'cycle')}: ${(s.error ?? '').split(':')[0]}`;
  return `${s.outcome} (${s.strategy}) after ${plural(s.waitCycles, 'cycle')}, ${plural(s.heldCalls, 'call')} held`;
}

/** Cycles as 0, 5k, -20k: each label formatted alone (one SI prefix for the whole axis gives '0k'); the end labels inside, clear of a neighbouring panel's. */
const axisCycles = { labelExpr: "format(datum.value, '~s')", labelFlush: true } as const;

/** Throughput around each update, one panel per update and kernel. */
export function throughputChart(c: CompareDocument): ChartSpec {
  const values: Record<string, unknown>[] = [];
  let top = 0;
  c.kernels.forEach((k, ki) => {
    k.steps.forEach((s, si) => {
      const panel = `${si + 1} ${s.spec} (${s.kind}), ${k.name}\n${outcomeText(s)}`;
      const base = { panel, order: si * c.kernels.length + ki, kernel: k.name, update: si + 1 };
      for (const w of s.throughput) {
        const rate = (w.syscalls / (w.to - w.from)) * 1e6;
        top = Math.max(top, rate);
        values.push({ ...base, kind: 'rate', from: w.from - s.startedAt, to: w.to - s.startedAt, syscalls: w.syscalls, rate });
      }
      for (const b of phaseBars(s.phases, s.startedAt)) values.push({ ...base, kind: 'phase', ...b });
      values.push({ ...base, kind: 'mark', at: 0, what: 'start' });
      if (s.endedAt !== null && s.endedAt > s.startedAt) values.push({ ...base, kind: 'mark', at: s.endedAt - s.startedAt, what: s.outcome });
      values.push({ ...base, kind: 'average', rate: k.syscallsPerMillionCycles });
    });
  });
  top = Math.ceil((top * 1.05) / 500) * 500;
  const lane = (l: Lane) => `datum.kind === 'phase' && datum.lane === '${l}'`;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `livemod compare: throughput around each update (seed ${c.seed}, ${c.cpus} CPUs)`,
      subtitle: [
        `bars: workload syscalls that returned in each window of ${n0(c.fineWindow)} cycles, per million cycles;`,
        "dashed: the kernel's average over the whole run; black lines: the update's start and its commit or abort;",
        "shaded: its phases of waiting for quiescence; strip at the top: the updater's own work",
        "(drawn as the cycles before each phase's end, as in the trace)",
      ],
      anchor: 'start',
    },
    data: { values },
    facet: { field: 'panel', type: 'nominal', sort: { field: 'order' }, title: null, header: { labelExpr: "split(datum.value, '\\n')", labelAnchor: 'start', labelAlign: 'left', labelFontSize: 11, labelLimit: 0 } },
    columns: c.kernels.length,
    spacing: { row: 14, column: 28 },
    spec: {
      width: 440,
      height: 70,
      layer: [
        {
          transform: [{ filter: lane('waiting') }],
          mark: { type: 'rect', opacity: 0.35 },
          encoding: { x: { field: 'start', type: 'quantitative' }, x2: { field: 'end' }, y: { datum: 0 }, y2: { datum: top }, color: { field: 'phase', type: 'nominal', scale: phaseScale(values), title: 'phase', legend: { symbolOpacity: 0.6 } } },
        },
        {
          transform: [{ filter: lane('work') }],
          mark: { type: 'rect', opacity: 0.9 },
          encoding: { x: { field: 'start', type: 'quantitative' }, x2: { field: 'end' }, y: { datum: top * 0.88 }, y2: { datum: top }, color: { field: 'phase', type: 'nominal', scale: phaseScale(values), title: 'phase' } },
        },
        {
          transform: [{ filter: "datum.kind === 'rate'" }],
          mark: { type: 'bar', opacity: 0.85 },
          encoding: {
            x: { field: 'from', type: 'quantitative', title: 'cycles since the update started', axis: axisCycles },
            x2: { field: 'to' },
            y: { field: 'rate', type: 'quantitative', title: 'syscalls / Mcycle', scale: { domain: [0, top] }, axis: { tickCount: 3 } },
            y2: { datum: 0 },
            fill: { field: 'kernel', type: 'nominal', scale: { domain: c.kernels.map((k) => k.name), range: c.kernels.map((k) => KERNEL_COLOR[k.name]) }, legend: null },
            tooltip: [{ field: 'from', title: 'from (cycles since start)' }, { field: 'to', title: 'to' }, { field: 'syscalls', title: 'syscalls returned' }],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'average'" }],
          mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
          encoding: { y: { field: 'rate', type: 'quantitative' } },
        },
        {
          transform: [{ filter: "datum.kind === 'mark'" }],
          mark: { type: 'rule', color: 'black', strokeWidth: 1.5 },
          encoding: { x: { field: 'at', type: 'quantitative' }, tooltip: [{ field: 'what' }, { field: 'at', title: 'cycles since start' }] },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
    config: { ...BASE_CONFIG, view: { stroke: '#ccc' } },
  };
}

/** A Gantt chart of every update's phases: per kernel a row per update, bars in cycles since the update started. */
export function ganttChart(c: CompareDocument): ChartSpec {
  const values: Record<string, unknown>[] = [];
  for (const k of c.kernels) {
    k.steps.forEach((s, si) => {
      const base = { kernel: k.name, update: `${si + 1} ${s.spec}: ${outcomeText(s)}`, order: si };
      const bars = phaseBars(s.phases, s.startedAt);
      for (const b of bars) values.push({ ...base, kind: 'phase', ...b });
      if (bars.length === 0) values.push({ ...base, kind: 'note', at: 0, text: s.outcome === 'refused' ? 'refused: no phase ran' : 'no phase took any cycles' });
      if (s.endedAt !== null && s.endedAt > s.startedAt) values.push({ ...base, kind: 'end', at: s.endedAt - s.startedAt, outcome: s.outcome });
    });
  }
  const y = { field: 'update', type: 'nominal', sort: { field: 'order', op: 'min' }, title: null, axis: { labelLimit: 0, labelFontSize: 11 } } as const;
  const x = { field: 'start', type: 'quantitative', title: 'cycles since the update started', axis: axisCycles, scale: { nice: false } } as const;
  const panel = (k: KernelDocument): LayerSpec<string> => ({
    title: { text: KERNEL_LABEL[k.name], anchor: 'start', fontSize: 13 },
    width: 560,
    height: k.steps.length * 30,
    transform: [{ filter: `datum.kernel === '${k.name}'` }],
    layer: [
      {
        transform: [{ filter: "datum.kind === 'phase'" }],
        mark: { type: 'bar', height: { band: 0.9 } },
        encoding: {
          y,
          yOffset: { field: 'lane', type: 'nominal', scale: { domain: ['waiting', 'work'] } },
          x,
          x2: { field: 'end' },
          color: { field: 'phase', type: 'nominal', scale: phaseScale(values), title: 'phase' },
          tooltip: [{ field: 'phase' }, { field: 'cycles' }, { field: 'detail' }],
        },
      },
      {
        transform: [{ filter: "datum.kind === 'end'" }],
        mark: { type: 'tick', color: 'black', thickness: 2 },
        encoding: { y, x: { ...x, field: 'at' }, tooltip: [{ field: 'outcome' }, { field: 'at', title: 'cycles since start' }] },
      },
      {
        transform: [{ filter: "datum.kind === 'note'" }],
        mark: { type: 'text', align: 'left', dx: 4, fontStyle: 'italic', color: '#666' },
        encoding: { y, x: { ...x, field: 'at' }, text: { field: 'text' } },
      },
    ],
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `livemod compare: the phases of every update (seed ${c.seed}, ${c.cpus} CPUs)`,
      subtitle: [
        'a row per update, with its strategy and outcome; time in simulated cycles since the update started;',
        "upper bar: its phases of waiting for quiescence; lower bar: the updater's own work, drawn as the cycles",
        "before each phase's end, as in the trace; black tick: the commit or abort",
      ],
      anchor: 'start',
    },
    data: { values },
    vconcat: c.kernels.map(panel),
    resolve: { scale: { x: 'shared' } },
    config: BASE_CONFIG,
  };
}
