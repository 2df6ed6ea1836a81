/**
 * A small line chart as an SVG string (no chart library): used by the experiment page for
 * accuracy/latency against tokens and by `npm run bench` for docs/benchmarks.svg. Works in the
 * browser and in Node alike since it only builds text.
 */

/** One line of a chart. */
export interface ChartSeries {
  name: string;
  /** [x, y] points; drawn in x order. */
  points: ReadonlyArray<readonly [number, number]>;
  /** Stroke dash pattern, e.g. '4 3' for a reference line. */
  dash?: string;
}

/** Options of {@link lineChartSvg}. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** @defaultValue 520 */
  width?: number;
  /** @defaultValue 320 */
  height?: number;
  /** Logarithmic x axis (token counts span 15..576). @defaultValue false */
  logX?: boolean;
  /** Fixed y range; by default [0 or the data minimum, the data maximum]. */
  yRange?: [number, number];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 || Number.isInteger(v) ? v.toFixed(0) : String(Number(v.toPrecision(3))));

/** Renders the series as a standalone SVG document (inline-able in HTML as is). */
export function lineChartSvg(series: readonly ChartSeries[], opts: ChartOptions): string {
  const width = opts.width ?? 520;
  const height = opts.height ?? 320;
  const m = { left: 58, right: 150, top: 30, bottom: 44 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const tx = (v: number): number => (opts.logX ? Math.log10(Math.max(v, 1e-9)) : v);
  const x0 = xs.length ? tx(Math.min(...xs)) : 0;
  const x1 = xs.length ? tx(Math.max(...xs)) : 1;
  const [y0, y1] = opts.yRange ?? [Math.min(0, ...ys), ys.length ? Math.max(...ys) : 1];
  const sx = (v: number): number => m.left + (x1 > x0 ? ((tx(v) - x0) / (x1 - x0)) * pw : pw / 2);
  const sy = (v: number): number => m.top + ph - (y1 > y0 ? ((v - y0) / (y1 - y0)) * ph : ph / 2);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${m.left}" y="18" font-size="13" font-weight="bold">${escapeXml(opts.title)}</text>`,
  ];
  for (const v of niceTicks(y0, y1)) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (const v of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<line x1="${sx(v).toFixed(1)}" x2="${sx(v).toFixed(1)}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${sx(v).toFixed(1)}" y="${m.top + ph + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const line = [...s.points].filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    const d = line.map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`).join(' ');
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    if (d) out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    for (const [x, y] of line) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${colour}"/>`);
    const ly = m.top + 8 + i * 16;
    out.push(`<line x1="${m.left + pw + 10}" x2="${m.left + pw + 28}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${m.left + pw + 32}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
