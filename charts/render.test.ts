// Rendering a chart in Node: a Vega-Lite spec becomes an SVG document with
// no canvas, text is measured with Helvetica's widths (not Vega's guess of
// 0.8 em a character), and a spec that does not compile is an error, not an
// empty picture.

import { describe, expect, it } from 'vitest';
import { renderSvg, textWidth } from './render.js';
import { BASE_CONFIG, type ChartSpec, VEGA_LITE_SCHEMA } from './spec.js';

describe('rendering a chart', () => {
  it('measures text with Helvetica widths, bold a little wider', () => {
    expect(textWidth({ fontSize: 10 }, 'mm')).toBeCloseTo(16.66, 2);
    expect(textWidth({ fontSize: 10 }, 'il')).toBeCloseTo(4.44, 2);
    expect(textWidth({ fontSize: 10, fontWeight: 'bold' }, 'mm')).toBeGreaterThan(textWidth({ fontSize: 10 }, 'mm'));
    expect(textWidth({ text: 'abc' })).toBeCloseTo(((556 + 556 + 500) / 1000) * 11, 5); // the item's own text, at Vega's default 11px
  });

  it('renders a spec to a standalone SVG document sized by its text', async () => {
    const spec: ChartSpec = { $schema: VEGA_LITE_SCHEMA, data: { values: [{ a: 'x', b: 1 }, { a: 'a rather longer label', b: 3 }] }, mark: 'bar', encoding: { y: { field: 'a', type: 'nominal' }, x: { field: 'b', type: 'quantitative' } }, config: BASE_CONFIG };
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>a rather longer label</text>');
    expect(svg).toContain('font-family="Helvetica, Arial');
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)![1]);
    // The plot is 300 wide; beside it the label at its Helvetica width, not Vega's guess of 0.8 em a character.
    expect(width).toBeGreaterThan(300 + textWidth({ fontSize: 10 }, 'a rather longer label'));
    expect(width).toBeLessThan(300 + 0.8 * 10 * 'a rather longer label'.length);
  });

  it('throws on a spec that does not compile', async () => {
    await expect(renderSvg({ $schema: VEGA_LITE_SCHEMA, data: { values: [] }, mark: 'nonsense', encoding: {} } as unknown as ChartSpec)).rejects.toThrow();
  });
});
