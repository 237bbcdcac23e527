/**
 * npm run bench:charts — draws docs/images/bench/*.svg from the results files (docs/results/*.jsonl):
 * for the broker, delivery and p99 latency against offered load with every broker of the latest run
 * on one chart; for every bench, each headline figure over its runs (the x axis is the run, labelled
 * with its date and commit), beside its target where it has one.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChartSvg, type Series } from './charts';
import { readRuns, RESULTS_DIR, ROOT, type BenchRun } from './results';

const OUT = join(ROOT, 'docs/images/bench');

interface Step {
  broker: string;
  rate: number;
  delivered: number;
  p99: number;
  doubleKnee?: boolean;
}

function brokerLoadCharts(run: BenchRun): Record<string, string> {
  const steps = (run.figures['steps'] as Step[] | undefined) ?? [];
  const brokers = [...new Set(steps.map((s) => s.broker))];
  const by = (f: (s: Step) => number): Series[] =>
    brokers.map((b) => ({
      name: b,
      points: steps
        .filter((s) => s.broker === b)
        .sort((x, y) => x.rate - y.rate)
        .map((s) => [s.rate, f(s)] as const),
    }));
  const subtitle = `(${run.date.slice(0, 10)}, ${run.commit})`;
  return {
    'broker-delivered.svg': lineChartSvg({
      title: `Delivered against offered load ${subtitle}`,
      xLabel: 'offered msg/s (1,000 drivers, one WebSocket rider each)',
      yLabel: 'delivered %',
      xScale: 'log',
      series: by((s) => s.delivered * 100),
    }),
    'broker-p99.svg': lineChartSvg({
      title: `p99 latency against offered load ${subtitle}`,
      xLabel: 'offered msg/s',
      yLabel: 'p99 latency, ms',
      xScale: 'log',
      yScale: 'log',
      series: by((s) => s.p99),
    }),
  };
}

/** Numeric headline figures of a run (steps and other lists are not headlines). */
function headlines(run: BenchRun): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(run.figures)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

function overTime(bench: string, runs: BenchRun[]): Record<string, string> {
  const names = [...new Set(runs.flatMap((r) => Object.keys(headlines(r))))];
  const ticks = runs.map((r, i) => ({ x: i, label: `${r.date.slice(5, 10)} ${r.commit.slice(0, 7)}` }));
  const charts: Record<string, string> = {};
  for (const name of names) {
    const series: Series[] = [
      {
        name,
        points: runs.flatMap((r, i) =>
          headlines(r)[name] === undefined ? [] : [[i, headlines(r)[name] ?? 0] as const],
        ),
      },
    ];
    const target = runs.at(-1)?.targets?.[name];
    if (target !== undefined)
      series.push({ name: 'target', dashed: true, points: runs.map((_, i) => [i, target] as const) });
    charts[`${bench}-${name}.svg`] = lineChartSvg({
      title: `${bench}: ${name} over runs`,
      xLabel: 'run (date, commit)',
      yLabel: name,
      xTicks: ticks.length > 8 ? ticks.filter((_, i) => i % Math.ceil(ticks.length / 8) === 0) : ticks,
      series,
    });
  }
  return charts;
}

mkdirSync(OUT, { recursive: true });
let written = 0;
for (const file of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.jsonl'))) {
  const bench = file.replace(/\.jsonl$/, '');
  const runs = readRuns(bench);
  if (runs.length === 0) continue;
  const charts = { ...overTime(bench, runs), ...(bench === 'broker' ? brokerLoadCharts(runs.at(-1) as BenchRun) : {}) };
  for (const [name, svg] of Object.entries(charts)) {
    writeFileSync(join(OUT, name), svg);
    written++;
  }
}
process.stdout.write(`bench:charts: ${written} charts in docs/images/bench/\n`);
