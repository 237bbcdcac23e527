import { lineChartSvg, type Series } from './charts';
import { baselinesOf, headlines, targetOf, valuesOf } from './headlines';
import type { BenchRun } from './results';

/** The chart file of a headline figure over the runs (docs/images/bench/). */
export const overRunsFile = (bench: string, name: string): string => `${bench}-${name}.svg`;

/**
 * One chart per headline figure over the runs (the x axis is the run, labelled with its date and
 * commit): a series per key of the figure, one per same-run baseline that measured the same figure,
 * and the latest run's target dashed.
 */
export function overRunsCharts(bench: string, runs: readonly BenchRun[]): Record<string, string> {
  const names = [...new Set(runs.flatMap((r) => Object.keys(headlines(r))))];
  const ticks = runs.map((r, i) => ({ x: i, label: `${r.date.slice(5, 10)} ${r.commit.slice(0, 7)}` }));
  const latest = runs.at(-1);
  const charts: Record<string, string> = {};
  for (const name of names) {
    const series = new Map<string, [number, number][]>();
    const add = (label: string, i: number, v: number): void => {
      series.set(label, [...(series.get(label) ?? []), [i, v]]);
    };
    /** `p99Ms.sse` is drawn as `sse`; a baseline's as `mosquitto` or `lua sse`. */
    const short = (key: string): string => (key === name ? '' : key.slice(name.length + 1));
    const keys = new Set<string>([name]);
    runs.forEach((r, i) => {
      for (const [key, v] of valuesOf(name, headlines(r)[name])) {
        keys.add(key);
        add(short(key) || name, i, v);
      }
      for (const [b, h] of baselinesOf(r, name))
        for (const [key, v] of valuesOf(name, h)) add([b, short(key)].join(' ').trim(), i, v);
    });
    const drawn: Series[] = [...series].map(([label, points]) => ({ name: label, points }));
    const targets = new Map<number, string>();
    for (const key of keys) {
      const t = latest === undefined ? undefined : targetOf(latest, key);
      if (t !== undefined && !targets.has(t.value)) targets.set(t.value, ['target', short(key)].join(' ').trim());
    }
    for (const [value, label] of targets)
      drawn.push({ name: label, dashed: true, points: runs.map((_, i) => [i, value] as const) });
    charts[overRunsFile(bench, name)] = lineChartSvg({
      title: `${bench}: ${name} over runs`,
      xLabel: 'run (date, commit)',
      yLabel: name,
      xTicks: ticks.length > 8 ? ticks.filter((_, i) => i % Math.ceil(ticks.length / 8) === 0) : ticks,
      series: drawn,
    });
  }
  return charts;
}
