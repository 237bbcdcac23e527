import { groupedBars } from './bar-chart';
import { lineChartSvg, type Series } from './charts';
import type { BenchRun } from './results';

/**
 * Charts of one run, the latest, for the benches that measure against offered load or compare
 * several implementations in the same run: every broker (or transport, or load level) on one chart.
 * Each reads the figures as its bench records them.
 */
type LatestCharts = (run: BenchRun) => Record<string, string>;

const subtitle = (run: BenchRun): string => `(${run.date.slice(0, 10)}, ${run.commit})`;

/** A list the bench records among its figures (the broker's steps, the simulator's levels). */
const rowsOf = <T>(run: BenchRun, name: string): T[] => (run.figures[name] as T[] | undefined) ?? [];

/** Draws rows as one series per `group`, sorted by x, of the y it is given. */
function seriesBy<T>(rows: readonly T[], group: (r: T) => string, x: (r: T) => number) {
  return (y: (r: T) => number): Series[] =>
    [...new Set(rows.map(group))].map((name) => ({
      name,
      points: rows
        .filter((r) => group(r) === name)
        .sort((a, b) => x(a) - x(b))
        .map((r) => [x(r), y(r)] as const),
    }));
}

interface BrokerStep {
  broker: string;
  rate: number;
  delivered: number;
  p99: number;
}

const broker: LatestCharts = (run) => {
  const by = seriesBy(
    rowsOf<BrokerStep>(run, 'steps'),
    (s) => s.broker,
    (s) => s.rate,
  );
  return {
    'broker-delivered.svg': lineChartSvg({
      title: `Delivered against offered load ${subtitle(run)}`,
      xLabel: 'offered msg/s (1,000 drivers, one WebSocket rider each)',
      yLabel: 'delivered %',
      xScale: 'log',
      series: by((s) => s.delivered * 100),
    }),
    'broker-p99.svg': lineChartSvg({
      title: `p99 latency against offered load ${subtitle(run)}`,
      xLabel: 'offered msg/s',
      yLabel: 'p99 latency, ms',
      xScale: 'log',
      yScale: 'log',
      series: by((s) => s.p99),
    }),
  };
};

interface SimLevel {
  intervalS: number;
  drivers: number;
  sentShare: number;
  cpuCores: number;
}

const sim: LatestCharts = (run) => {
  const levels = rowsOf<SimLevel>(run, 'levels');
  const by = seriesBy(
    levels,
    (l) => `one fix / ${l.intervalS} s`,
    (l) => l.drivers,
  );
  const drivers = levels.map((l) => l.drivers);
  const floor: Series = {
    name: 'kept: ≥ 95% sent',
    dashed: true,
    points: levels.length === 0 ? [] : [Math.min(...drivers), Math.max(...drivers)].map((x) => [x, 95] as const),
  };
  return {
    'sim-sent.svg': lineChartSvg({
      title: `Simulator: fixes sent against drivers in one process ${subtitle(run)}`,
      xLabel: 'drivers (one MQTT connection each)',
      yLabel: 'fixes sent / intended, %',
      series: [...by((l) => l.sentShare * 100), floor],
    }),
    'sim-cpu.svg': lineChartSvg({
      title: `Simulator: CPU against drivers in one process ${subtitle(run)}`,
      xLabel: 'drivers (one MQTT connection each)',
      yLabel: 'simulator CPU, % of one core',
      series: by((l) => l.cpuCores * 100),
    }),
  };
};

const transports: LatestCharts = (run) => {
  const names = Object.keys((run.figures['p99Ms'] as Record<string, number> | undefined) ?? {});
  const of = (figure: string): number[] =>
    names.map((t) => (run.figures[figure] as Record<string, number> | undefined)?.[t] ?? Number.NaN);
  const riders = Number(run.settings['riders']).toLocaleString('en-US');
  const labels = (run.settings['labels'] as Record<string, string> | undefined) ?? {};
  return {
    'transports.svg': groupedBars({
      title: `Rider transports: ${riders} riders following ${riders} drivers at 1 fix/s, ${Number(run.settings['seconds'])} s each ${subtitle(run)}`,
      groups: names.map((t) => labels[t] ?? t),
      panels: [
        {
          label: 'Latency, publish to receipt (ms, log scale)',
          scale: 'log',
          series: ['p50Ms', 'p95Ms', 'p99Ms'].map((f) => ({ name: f.replace('Ms', ''), values: of(f) })),
        },
        {
          label: 'Bytes on the wire per update',
          series: [
            { name: 'down', values: of('bytesDownPerUpdate') },
            { name: 'up', values: of('bytesUpPerUpdate') },
          ],
        },
        { label: 'Broker CPU seconds over the window', series: [{ name: 'CPU s', values: of('brokerCpuS') }] },
      ],
    }),
  };
};

/** The benches with charts of their latest run, by bench name. */
export const LATEST_CHARTS: Record<string, LatestCharts> = { broker, sim, transports };
