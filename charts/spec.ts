// Charts are declared, not drawn: each chart is a Vega-Lite specification
// with its data inline, built by a plain function over results
// (charts/compare.ts, charts/sweep.ts) and rendered by charts/render.ts.
// The CLI writes the SVG and the specification beside it, so a reader can
// restyle a chart (the Vega editor opens the spec) without running livemod
// again. This file holds what every chart shares; it loads no Vega code.

import type { TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** The Vega-Lite schema every chart names (the version of vega-lite in package.json). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The font every chart names: Helvetica, or a font with its widths, which charts/render.ts measures text by. */
export const FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif";

/** What every chart's `config` starts from: the font, and legends above the plot. */
export const BASE_CONFIG = { font: FONT, legend: { orient: 'top', direction: 'horizontal' } } as const;
