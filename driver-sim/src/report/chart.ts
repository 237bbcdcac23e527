import { scaleLinear, scaleUtc } from 'd3-scale';
import { area, curveLinear, curveStepBefore, line } from 'd3-shape';

/**
 * One time-series panel of the report as SVG text, drawn in Node at report time (d3-scale for the
 * axes' ticks, d3-shape for the paths), so the page needs no script or network to show it.
 */
export interface ChartLine {
  name: string;
  color: string;
  values: readonly (number | null)[];
  /** line: a measured value; dashed: a target or bound; step: a count per interval, filled. */
  style: 'line' | 'dashed' | 'step';
}

export interface ChartSpec {
  /** Seconds from the start, one per point. */
  tS: readonly number[];
  lines: readonly ChartLine[];
  /** Unit after the y-axis figures ("ms", "/s"); none for counts. */
  unit: string;
  /** Whole numbers only on the y axis (counts of drivers, reconnects). */
  integer?: boolean;
}

/** The drawing's own coordinates; the page scales it to its column. */
export const CHART_BOX = { width: 460, height: 200, left: 46, right: 12, top: 10, bottom: 34 } as const;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 0:45, 12:30, 1:05:00: time since the start as a clock reads it. */
export function elapsedText(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The panel's SVG: grid, axes with tick labels and units, one path per line. */
export function chartSvg(spec: ChartSpec): string {
  const { width, height, left, right, top, bottom } = CHART_BOX;
  const plotRight = width - right;
  const plotBottom = height - bottom;
  const lastS = spec.tS.at(-1) ?? 0;
  const firstS = 0;
  // Time ticks at clock-friendly steps (10 s, 30 s, 1 min, 5 min, ...), read as time since start.
  const x = scaleUtc()
    .domain([new Date(firstS * 1000), new Date(Math.max(lastS, firstS + 1) * 1000)])
    .range([left, plotRight]);
  const values = spec.lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const maxValue = values.reduce((a, b) => Math.max(a, b), 0);
  // Counts get at least 0..4, so an empty panel reads 0, 1, 2 rather than 0, 0.2, 0.4.
  const floor = spec.integer === true ? 4 : 1;
  const y = scaleLinear()
    .domain([0, Math.max(floor, maxValue * 1.05)])
    .nice(4)
    .range([plotBottom, top]);
  const yFormat = y.tickFormat(4, maxValue >= 10_000 ? '~s' : '~f');
  const yTicks = y.ticks(4).filter((v) => spec.integer !== true || Number.isInteger(v));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" class="chart" data-left="${left}" data-right="${plotRight}" data-t0="${firstS}" data-t1="${Math.max(lastS, firstS + 1)}">`,
  ];
  for (const v of yTicks) {
    const py = y(v).toFixed(1);
    const label = `${yFormat(v)}${v !== 0 && spec.unit !== '' ? ` ${spec.unit}` : ''}`;
    parts.push(
      `<line class="grid" x1="${left}" x2="${plotRight}" y1="${py}" y2="${py}"/>`,
      `<text class="tick y" x="${left - 6}" y="${py}" dy="0.32em" text-anchor="end">${esc(label)}</text>`,
    );
  }
  for (const d of x.ticks(6)) {
    const px = x(d).toFixed(1);
    parts.push(
      `<line class="tick-mark" x1="${px}" x2="${px}" y1="${plotBottom}" y2="${plotBottom + 4}"/>`,
      `<text class="tick x" x="${px}" y="${plotBottom + 15}" text-anchor="middle">${elapsedText(d.getTime() / 1000)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${left}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}"/>`,
    `<text class="axis-label" x="${plotRight}" y="${height - 2}" text-anchor="end">time since start (m:ss)</text>`,
  );
  if (values.length === 0) {
    parts.push(
      `<text class="no-data" x="${(left + plotRight) / 2}" y="${(top + plotBottom) / 2}" text-anchor="middle">no data</text>`,
    );
  }
  const px = (i: number): number => x(new Date((spec.tS[i] ?? 0) * 1000));
  spec.lines.forEach((l, n) => {
    const defined = (v: number | null): v is number => v !== null && Number.isFinite(v);
    const points = l.values.map((v, i) => [i, v] as const);
    if (l.style === 'step') {
      const shape = area<readonly [number, number | null]>()
        .defined(([, v]) => defined(v))
        .x(([i]) => px(i))
        .y0(plotBottom)
        .y1(([, v]) => y(v ?? 0))
        .curve(curveStepBefore)(points);
      parts.push(
        `<path class="series step" data-name="${esc(l.name)}" d="${shape ?? ''}" fill="${l.color}" fill-opacity="0.35" stroke="${l.color}" stroke-width="1"/>`,
      );
      return;
    }
    const path = line<readonly [number, number | null]>()
      .defined(([, v]) => defined(v))
      .x(([i]) => px(i))
      .y(([, v]) => y(v ?? 0))
      .curve(curveLinear)(points);
    // A light fill under the panel's first line only: under several, the tints muddy each other.
    if (l.style === 'line' && n === 0) {
      const fill = area<readonly [number, number | null]>()
        .defined(([, v]) => defined(v))
        .x(([i]) => px(i))
        .y0(plotBottom)
        .y1(([, v]) => y(v ?? 0))
        .curve(curveLinear)(points);
      parts.push(`<path class="fill" d="${fill ?? ''}" fill="${l.color}" fill-opacity="0.08"/>`);
    }
    parts.push(
      `<path class="series ${l.style}" data-name="${esc(l.name)}" d="${path ?? ''}" fill="none" stroke="${l.color}" stroke-width="${l.style === 'dashed' ? 1.5 : 2}"${l.style === 'dashed' ? ' stroke-dasharray="5 4"' : ''} stroke-linejoin="round"/>`,
    );
    // A value with no neighbour (sparse data: latency in a quiet second) would be a line of no
    // length: a dot shows it.
    l.values.forEach((v, i) => {
      if (defined(v) && !defined(l.values[i - 1] ?? null) && !defined(l.values[i + 1] ?? null))
        parts.push(`<circle class="dot" cx="${px(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${l.color}"/>`);
    });
  });
  parts.push(
    `<line class="cursor" x1="0" x2="0" y1="${top}" y2="${plotBottom}" visibility="hidden"/>`,
    `<rect class="hover" x="${left}" y="${top}" width="${plotRight - left}" height="${plotBottom - top}" fill="transparent"/>`,
    '</svg>',
  );
  return parts.join('');
}
