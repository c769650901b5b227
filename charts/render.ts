// A chart's Vega-Lite specification (charts/spec.ts) compiled to Vega and
// rendered to SVG, in Node, with no canvas and no browser. This is the one
// file that loads vega and vega-lite (the CLI imports it only when it
// draws, so other commands do not pay for loading them).
//
// Without a canvas Vega guesses a text's width as 0.8 em a character, half
// as much again as it is, which leaves wide margins and label bands. The
// charts name Helvetica (Arial and Liberation Sans have its widths), so
// text is measured here with Helvetica's widths instead, as the renderer
// vl-convert does with its own measure.

import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { ChartSpec } from './spec.js';

// Helvetica's advance widths (the font charts/spec.ts names) in thousandths of an em, for the characters from ' ' (32) to '~' (126).
const WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556,
  556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
  556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

interface TextItem {
  readonly text?: unknown;
  readonly fontSize?: number;
  readonly fontWeight?: string | number;
}

/** The width in pixels of `text` set in Helvetica at the item's size and weight (bold is about 8% wider). */
export function textWidth(item: TextItem, text?: unknown): number {
  const s = String(text ?? item.text ?? '');
  const em = [...s].reduce((w, c) => w + (WIDTHS[c.charCodeAt(0) - 32] ?? 556), 0) / 1000;
  const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600 ? 1.08 : 1;
  return em * (item.fontSize ?? 11) * bold;
}

// vega exports its text metrics at run time (vl-convert replaces `width` the same way); its types do not declare them.
(vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics.width = textWidth;

/**
 * The SVG document of a chart; throws if the specification does not
 * compile or Vega reports an error while rendering it. Warnings go to
 * `warn` (by default nowhere, not onto the report the CLI prints; the tests
 * require there be none).
 */
export async function renderSvg(spec: ChartSpec, warn: (message: string) => void = () => {}): Promise<string> {
  const errors: string[] = [];
  const log = vega.logger(vega.Warn, undefined, (method, _level, args) => (method === 'error' ? errors : { push: warn }).push(args.map(String).join(' ')));
  const view = new vega.View(vega.parse(compile(spec, { logger: log }).spec), { renderer: 'none', logger: log });
  try {
    const svg = await view.toSVG();
    if (errors.length) throw new Error(`chart: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}
