import { chartSvg, elapsedText } from './chart';
import { SCRIPT, STYLE } from './page-assets';
import { panels } from './panels';
import { downsample, withoutStub, type Series } from './series';
import { formatField, SUMMARY_FIELDS, type RunSummary } from './summary';

/**
 * The simulation report as one self-contained HTML page: stat tiles, five time-series panels drawn
 * as inline SVG, the summary table with what each field means. No script or style is fetched; a
 * few lines of inline script add a hover read-out, and the page reads the same without them.
 */
export interface ReportRun {
  startedAt: string;
  brokers: readonly string[];
  seed: number;
  roads: string;
  /** Name of the JSON file beside the page. */
  jsonFile: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The tiles along the top: the figures a reader looks for first, coloured when they are off. */
function tiles(summary: RunSummary): string {
  const field = (key: keyof RunSummary) => SUMMARY_FIELDS.find((f) => f.key === key);
  const show = (key: keyof RunSummary) => {
    const f = field(key);
    return f === undefined ? '' : formatField(f, summary[key]);
  };
  const share = summary.deliveredShare;
  const tile = (label: string, value: string, key: keyof RunSummary, note: string, level = '') =>
    `<div class="tile ${level}" data-field="${key}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="note">${esc(note)}</div></div>`;
  return [
    tile('Peak online', show('peakOnline'), 'peakOnline', `of ${show('drivers')} drivers`),
    tile('Fixes sent', show('published'), 'published', show('publishedPerS')),
    tile(
      'Delivered',
      show('deliveredShare'),
      'deliveredShare',
      summary.delivered === null ? 'no observer' : `${show('delivered')} fixes`,
      share === null ? '' : share >= 0.99 ? 'good' : share >= 0.9 ? 'warn' : 'bad',
    ),
    tile('Latency p50', show('latencyP50Ms'), 'latencyP50Ms', 'fix to receipt'),
    tile(
      'Latency p99',
      show('latencyP99Ms'),
      'latencyP99Ms',
      `worst ${show('latencyMaxMs')}`,
      summary.latencyP99Ms === null
        ? ''
        : summary.latencyP99Ms <= 500
          ? 'good'
          : summary.latencyP99Ms <= 2000
            ? 'warn'
            : 'bad',
    ),
    tile(
      'Reconnects',
      show('reconnects'),
      'reconnects',
      `${show('errors')} errors, ${show('refused')} refused`,
      summary.refused > 0 ? 'bad' : summary.reconnects > 0 ? 'warn' : 'good',
    ),
  ].join('');
}

/** The whole page. */
export function reportPage(summary: RunSummary, full: Series, run: ReportRun): string {
  const series = withoutStub(downsample(full, 720));
  const charts = panels(series);
  const figures = charts
    .map((p, i) => {
      const legend = p.lines
        .map((l) => `<li><span class="swatch ${l.style}" style="--c:${l.color}"></span>${esc(l.name)}</li>`)
        .join('');
      return `<figure class="panel" data-chart="${i}"><figcaption><h2>${esc(p.title)}${p.unit === '' ? '' : ` <span class="unit">(${esc(p.unit)})</span>`}</h2><p>${esc(p.about)}</p></figcaption><div class="plot">${chartSvg({ tS: series.tS, lines: p.lines, unit: p.unit, integer: p.integer })}<div class="tip" hidden></div></div><ul class="legend">${legend}</ul></figure>`;
    })
    .join('');
  const rows = SUMMARY_FIELDS.map(
    (f) =>
      `<tr><th scope="row"><code>${f.key}</code></th><td class="num">${esc(formatField(f, summary[f.key]))}</td><td>${esc(f.about)}</td></tr>`,
  ).join('');
  const data = JSON.stringify({
    tS: series.tS,
    charts: charts.map((p) => ({
      unit: p.unit,
      lines: p.lines.map((l) => ({ name: l.name, color: l.color, values: l.values })),
    })),
  }).replace(/</g, '\\u003c');
  const when = run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simulation report · ${esc(when)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Simulation report</h1>
  <dl class="run">
    <div><dt>started</dt><dd>${esc(when)}</dd></div>
    <div><dt>duration</dt><dd>${esc(elapsedText(summary.durationS))}</dd></div>
    <div><dt>drivers</dt><dd>${summary.drivers.toLocaleString('en-US')}</dd></div>
    <div><dt>broker</dt><dd>${run.brokers.map(esc).join(', ')}</dd></div>
    <div><dt>roads</dt><dd>${esc(run.roads)}</dd></div>
    <div><dt>seed</dt><dd>${run.seed}</dd></div>
  </dl>
</header>
<main>
<section class="tiles">${tiles(summary)}</section>
<section class="panels">${figures}</section>
<section class="summary">
  <h2>Summary</h2>
  <p>The same fields as the simulator's closing table and <a href="${esc(run.jsonFile)}"><code>${esc(run.jsonFile)}</code></a> (which also holds every point above, one per ${full.intervalS} s).</p>
  <table><thead><tr><th>field</th><th class="num">value</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>
</section>
</main>
<footer>ridetrack driver-sim · points of ${elapsedText(series.intervalS)}${series.intervalS === full.intervalS ? '' : ` (counts summed, p99 the worst, other values averaged over ${series.intervalS / full.intervalS} s)`}</footer>
<script type="application/json" id="report-data">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
