// A line chart as a standalone SVG document: throughput of each kernel over
// simulated time, with the updates marked. No dependencies; it opens in any
// browser.

export interface Series {
  readonly name: string;
  readonly color: string;
  /** x: simulated cycles; y: syscalls per million cycles. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** Where this kernel's updates began, with a short label. */
  readonly marks: readonly { readonly x: number; readonly label: string }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round step for axis ticks near `span / 5`. */
function tickStep(span: number): number {
  const raw = span / 5;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? p * 10;
}

export function throughputSvg(title: string, series: readonly Series[], width = 960, height = 420): string {
  const m = { left: 70, right: 20, top: 40, bottom: 60 };
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y1 = Math.max(...ys) * 1.1 || 1;
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (width - m.left - m.right);
  const py = (y: number) => height - m.bottom - (y / y1) * (height - m.top - m.bottom);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  const yStep = tickStep(y1);
  for (let y = 0; y <= y1; y += yStep) {
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${py(y) + 4}" text-anchor="end">${y}</text>`);
  }
  const xStep = tickStep((x1 - x0) / 1e6) * 1e6;
  for (let x = Math.ceil(x0 / xStep) * xStep; x <= x1; x += xStep) {
    out.push(`<text x="${px(x)}" y="${height - m.bottom + 16}" text-anchor="middle">${x / 1e6}</text>`);
  }
  out.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 22}" text-anchor="middle">simulated time (million cycles)</text>`);
  out.push(`<text transform="translate(16 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">syscalls per million cycles</text>`);
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="black"/>`);
  out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="black"/>`);
  series.forEach((s, i) => {
    for (const mark of s.marks) {
      out.push(`<line x1="${px(mark.x)}" x2="${px(mark.x)}" y1="${m.top}" y2="${height - m.bottom}" stroke="${s.color}" stroke-dasharray="4 3" stroke-opacity="0.6"><title>${esc(`${s.name}: ${mark.label}`)}</title></line>`);
      out.push(`<text x="${px(mark.x) + 2}" y="${m.top + 10 + i * 12}" fill="${s.color}" font-size="10">${esc(mark.label.split(' ')[0]!)}</text>`);
    }
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
    out.push(`<rect x="${width - m.right - 170}" y="${m.top + 4 + i * 18}" width="12" height="3" fill="${s.color}"/>`);
    out.push(`<text x="${width - m.right - 152}" y="${m.top + 9 + i * 18}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
