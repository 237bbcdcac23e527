import { escapeXml as escape } from './charts';

/** A small grouped bar chart as SVG text, for figures in docs/ (no browser or plotting stack needed). */
export interface Panel {
  label: string;
  /** 'log' for values spanning orders of magnitude (latencies of 2 ms and 1 s side by side). */
  scale?: 'linear' | 'log';
  series: { name: string; values: number[] }[];
}

const COLORS = ['#1b6ef3', '#f39c1b', '#d6336c', '#2f9e44'];
const format = (v: number) => (Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function groupedBars(chart: { title: string; groups: string[]; panels: Panel[] }): string {
  const width = 960;
  const panelHeight = 230;
  const top = 40;
  const left = 60;
  const plotWidth = width - left - 20;
  const height = top + chart.panels.length * panelHeight + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(chart.title)}</text>`,
  ];
  chart.panels.forEach((panel, p) => {
    const y0 = top + p * panelHeight;
    const plotTop = y0 + 30;
    const plotHeight = panelHeight - 80;
    const max = Math.max(1e-9, ...panel.series.flatMap((s) => s.values.filter(Number.isFinite)));
    parts.push(`<text x="${left}" y="${y0 + 16}" font-weight="bold">${escape(panel.label)}</text>`);
    panel.series.forEach((s, k) => {
      const lx = width - 20 - (panel.series.length - k) * 70;
      parts.push(
        `<rect x="${lx}" y="${y0 + 6}" width="12" height="12" fill="${COLORS[k % COLORS.length] ?? '#888'}"/>`,
        `<text x="${lx + 16}" y="${y0 + 16}">${escape(s.name)}</text>`,
      );
    });
    parts.push(
      `<line x1="${left}" y1="${plotTop + plotHeight}" x2="${left + plotWidth}" y2="${plotTop + plotHeight}" stroke="#444"/>`,
    );
    const groupWidth = plotWidth / chart.groups.length;
    const barWidth = (groupWidth * 0.7) / panel.series.length;
    chart.groups.forEach((group, g) => {
      const gx = left + g * groupWidth + groupWidth * 0.15;
      panel.series.forEach((s, k) => {
        const v = s.values[g] ?? 0;
        const share = panel.scale === 'log' ? Math.log10(1 + Math.max(0, v)) / Math.log10(1 + max) : v / max;
        const h = Number.isFinite(v) ? share * plotHeight : 0;
        const x = gx + k * barWidth;
        const y = plotTop + plotHeight - h;
        parts.push(
          `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[k % COLORS.length] ?? '#888'}"/>`,
          `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="10">${format(v)}</text>`,
        );
      });
      parts.push(
        `<text x="${(left + g * groupWidth + groupWidth / 2).toFixed(1)}" y="${plotTop + plotHeight + 16}" text-anchor="middle">${escape(group)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
