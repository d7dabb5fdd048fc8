/**
 * seriesSVG: a self-contained SVG line chart of several series over a shared
 * x axis (days), for the forecasting example: actual values solid, forecasts
 * dashed, a legend, "nice" ticks from the learning-curve plot's helper.
 */
import { escapeXml, niceTicks } from '../../src/util/svg-plot.js';

export interface Series {
  label: string;
  /** x (e.g. day index) and y, same length. */
  x: number[];
  y: number[];
  color: string;
  dash?: string;
}

export function seriesSVG(series: Series[], opts: { title: string; xLabel: string; yLabel: string; width?: number; height?: number }): string {
  const W = opts.width ?? 900, H = opts.height ?? 420;
  const m = { left: 80, right: 20, top: 50, bottom: 60 };
  const xs = series.flatMap((s) => s.x), ys = series.flatMap((s) => s.y);
  const xt = niceTicks(Math.min(...xs), Math.max(...xs), 8), yt = niceTicks(Math.min(...ys), Math.max(...ys), 6);
  const [x0, x1, y0, y1] = [xt[0], xt[xt.length - 1], yt[0], yt[yt.length - 1]];
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((y - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(opts.title)}</text>`,
  ];
  for (const t of yt) {
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of xt) {
    out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${m.top}" y2="${H - m.bottom}" stroke="#eee"/>`,
      `<text x="${px(t)}" y="${H - m.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 16}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`,
    `<text transform="translate(18 ${H / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`);
  // a pale box under the legend keeps it readable where the lines pass
  out.push(`<rect x="${m.left + 6}" y="${m.top - 8}" width="280" height="${series.length * 18 + 6}" fill="white" fill-opacity="0.85"/>`);
  series.forEach((s, i) => {
    const d = s.x.map((x, j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)} ${py(s.y[j]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    const ly = m.top + 4 + i * 18;
    out.push(`<line x1="${m.left + 12}" x2="${m.left + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${m.left + 46}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
