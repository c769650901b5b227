// Writing charts (charts/): each SVG with its Vega-Lite specification
// beside it, data inline, named after it (`out.svg`, `out.vl.json`), so a
// reader can restyle the chart in the Vega editor or with any Vega-Lite
// tool. `compare --svg FILE` and `livemod chart compare` write the same two
// charts of a comparison: FILE and FILE's sibling `-gantt.svg`.

import type { CompareDocument } from '../compare/document.js';
import { ganttChart, throughputChart } from '../charts/compare.js';
import type { ChartSpec } from '../charts/spec.js';
import { writeOutput } from './output.js';

const stem = (svg: string) => svg.replace(/\.svg$/i, '');

/** The file of a chart's specification: `out.svg` -> `out.vl.json`. */
export const specPath = (svg: string): string => `${stem(svg)}.vl.json`;

/** Render `spec`, write it to `svg` and the spec beside it; returns both paths. */
export async function writeChart(svg: string, spec: ChartSpec): Promise<[string, string]> {
  const { renderSvg } = await import('../charts/render.js'); // vega loads only when a chart is drawn
  const text = await renderSvg(spec);
  writeOutput(svg, text);
  writeOutput(specPath(svg), `${JSON.stringify(spec, null, 2)}\n`);
  return [svg, specPath(svg)];
}

/** The charts of a comparison, written as `file` (throughput around each update) and `file`-gantt.svg (the phases); one line saying what was written. */
export async function writeCompareCharts(c: CompareDocument, file: string): Promise<string> {
  const gantt = `${stem(file)}-gantt.svg`;
  const [a, aSpec] = await writeChart(file, throughputChart(c));
  const [b, bSpec] = await writeChart(gantt, ganttChart(c));
  return `charts written: ${a} (throughput around each update), ${b} (the phases of each update); their Vega-Lite specs with the data: ${aSpec}, ${bSpec}`;
}
