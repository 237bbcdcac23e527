import { scaleLinear, scaleLog } from 'd3-scale';
import { line } from 'd3-shape';

/**
 * Line charts of benchmark figures as standalone SVG (d3-scale for the axes, d3-shape for the
 * paths), for docs/: several series on one chart with a legend, on a white ground that reads in
 * light and dark viewers.
 */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** A target or bound: drawn dashed. */
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
  /** Labels for x values (run dates or commits instead of numbers). */
  xTicks?: readonly { x: number; label: string }[];
}

const COLORS = ['#1b6ef3', '#e8590c', '#2f9e44', '#ae3ec9', '#495057', '#f59f00'];
const W = 720;
const H = 360;
const M = { left: 64, right: 16, top: 44, bottom: 52 };
export const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const esc = escapeXml;

export function lineChartSvg(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [x0, x1] = xs.length === 0 ? [0, 1] : [Math.min(...xs), Math.max(...xs)];
  const yMax = ys.length === 0 ? 1 : Math.max(...ys);
  const yMin = ys.length === 0 ? 0 : Math.min(...ys);
  const x =
    chart.xScale === 'log'
      ? scaleLog().domain([Math.max(1e-9, x0), Math.max(x0 * 1.01, x1)])
      : // one run alone sits in the middle, not on the axis
        scaleLinear().domain(x1 === x0 ? [x0 - 1, x0 + 1] : [x0, x1]);
  x.range([M.left, W - M.right]);
  const y =
    chart.yScale === 'log'
      ? scaleLog().domain([Math.max(1e-9, yMin * 0.8), Math.max(yMax * 1.25, yMin * 2)])
      : scaleLinear()
          .domain([Math.min(0, yMin), yMax === 0 ? 1 : yMax * 1.08])
          .nice(5);
  y.range([H - M.bottom, M.top]);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12" role="img">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="600" fill="#212529">${esc(chart.title)}</text>`,
  ];
  // SI prefixes for large values (2M ops/s); plain decimals below 1000,
  // where `~s` would say 700m for 0.7 s
  const yFormat = y.tickFormat(5, yMax >= 1000 ? '~s' : '~r');
  for (const v of y.ticks(5)) {
    const py = y(v).toFixed(1);
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" stroke="#e9ecef"/>`,
      `<text x="${M.left - 6}" y="${py}" dy="0.32em" text-anchor="end" fill="#495057">${esc(yFormat(v))}</text>`,
    );
  }
  const xTicks =
    chart.xTicks ?? x.ticks(chart.xScale === 'log' ? 6 : 8).map((v) => ({ x: v, label: x.tickFormat(8, '~s')(v) }));
  // Labels at the ends of the axis run inward, not off the picture.
  const anchor = (px: number): string => (px < M.left + 40 ? 'start' : px > W - M.right - 40 ? 'end' : 'middle');
  for (const t of xTicks) {
    const px = x(t.x).toFixed(1);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="#868e96"/>`,
      `<text x="${px}" y="${H - M.bottom + 17}" text-anchor="${anchor(x(t.x))}" fill="#495057">${esc(t.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#868e96"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle" fill="#495057">${esc(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#495057">${esc(chart.yLabel)}</text>`,
  );
  // The legend as wide as its longest name (about 6.6 px a character at 12 px), long names cut.
  const legendName = (name: string): string => (name.length > 36 ? `${name.slice(0, 35)}…` : name);
  const longest = Math.max(0, ...chart.series.map((s) => legendName(s.name).length));
  const legendX = W - M.right - Math.max(150, 30 + longest * 6.6);
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const points = s.points.filter(
      ([px, py]) => Number.isFinite(px) && Number.isFinite(py) && (chart.yScale !== 'log' || py > 0),
    );
    const d =
      line<readonly [number, number]>()
        .x(([px]) => x(px))
        .y(([, py]) => y(py))(points) ?? '';
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`,
      ...points.map(
        ([px, py]) =>
          `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${s.name}: ${py}`)}</title></circle>`,
      ),
    );
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 20}" y1="${M.top + 8 + i * 16}" y2="${M.top + 8 + i * 16}" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${legendX + 25}" y="${M.top + 8 + i * 16}" dy="0.32em" fill="#212529">${esc(legendName(s.name))}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
