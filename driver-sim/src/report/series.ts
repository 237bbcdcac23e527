import type { Delivery } from '../observer';
import type { SimulationStats } from '../simulation';
import type { RunSummary } from './summary';

/**
 * The run over time, one point per interval (a second), kept as columns: what the report's charts
 * draw and its JSON holds. Counters are per interval (sent in that second), gauges are as they were
 * at its end (online at that moment). Delivery fields are null without an observer.
 */
export interface Series {
  intervalS: number;
  /** End of each interval, seconds from the start. */
  tS: number[];
  /** Drivers meant to be on the road (a scenario changes it). */
  active: number[];
  /** Drivers connected. */
  online: number[];
  moving: number[];
  parked: number[];
  /** Fixes sent in the interval. */
  sent: number[];
  /** Fixes the observer received in the interval. */
  delivered: (number | null)[];
  latencyP50Ms: (number | null)[];
  latencyP99Ms: (number | null)[];
  /** Connections lost unexpectedly in the interval (each comes back with backoff). */
  reconnects: number[];
  /** Connection errors in the interval. */
  errors: number[];
  /** Drivers without a GPS fix at the end of the interval. */
  noGps: number[];
  /** GPS and network dropouts started in the interval. */
  dropouts: number[];
}

/** The columns by how points merge: gauges average, counters add up; the delivery ones may be null. */
const GAUGES = ['active', 'online', 'moving', 'parked', 'noGps'] as const;
const COUNTERS = ['sent', 'reconnects', 'errors', 'dropouts'] as const;
const NULLABLE = ['delivered', 'latencyP50Ms', 'latencyP99Ms'] as const;

export function emptySeries(intervalS: number): Series {
  const series = { intervalS, tS: [] } as unknown as Series;
  for (const key of [...GAUGES, ...COUNTERS]) series[key] = [];
  for (const key of NULLABLE) series[key] = [];
  return series;
}

/** Appends the interval that ended at `tS`: counters as the difference between two stats. */
export function addPoint(
  series: Series,
  tS: number,
  before: SimulationStats,
  after: SimulationStats,
  delivery: Delivery | null,
): void {
  series.tS.push(Math.round(tS * 10) / 10);
  series.active.push(after.active);
  series.online.push(after.connected);
  series.moving.push(after.moving);
  series.parked.push(after.parked);
  series.sent.push(after.published - before.published);
  series.delivered.push(delivery?.delivered ?? null);
  series.latencyP50Ms.push(delivery?.latencyP50Ms ?? null);
  series.latencyP99Ms.push(delivery?.latencyP99Ms ?? null);
  series.reconnects.push(after.reconnects - before.reconnects);
  series.errors.push(after.errors - before.errors);
  series.noGps.push(after.gpsBlind);
  series.dropouts.push(after.dropouts - before.dropouts);
}

/** The whole run in one record, from the final stats and the observer's totals. */
export function summarize(
  stats: SimulationStats,
  series: Series,
  delivery: Delivery | null,
  durationS: number,
  tickS: number,
): RunSummary {
  const published = stats.published;
  return {
    durationS: Math.round(durationS * 10) / 10,
    drivers: stats.target,
    peakOnline: series.online.reduce((a, b) => Math.max(a, b), stats.connected),
    online: stats.connected,
    published,
    publishedPerS: durationS > 0 ? Math.round((published / durationS) * 10) / 10 : 0,
    delivered: delivery?.delivered ?? null,
    deliveredShare:
      delivery === null
        ? null
        : published === 0
          ? null
          : Math.round((delivery.delivered / published) * 10_000) / 10_000,
    latencyP50Ms: delivery?.latencyP50Ms ?? null,
    latencyP99Ms: delivery?.latencyP99Ms ?? null,
    latencyMaxMs: delivery?.latencyMaxMs ?? null,
    reconnects: stats.reconnects,
    refused: stats.refused,
    errors: stats.errors,
    trips: stats.trips,
    dropouts: stats.dropouts,
    noGpsDriverSeconds: Math.round(stats.blindTicks * tickS),
  };
}

/** At most `maxPoints` points: counts summed per bucket, gauges averaged, p99 the bucket's worst. */
export function downsample(series: Series, maxPoints: number): Series {
  const n = series.tS.length;
  const k = Math.max(1, Math.ceil(n / maxPoints));
  if (k === 1) return series;
  const buckets = Array.from({ length: Math.ceil(n / k) }, (_, b) => [b * k, Math.min(n, (b + 1) * k)] as const);
  const merge = (a: readonly (number | null)[], how: 'sum' | 'mean' | 'max'): (number | null)[] =>
    buckets.map(([from, to]) => {
      const v = a.slice(from, to).filter((x): x is number => x !== null);
      if (v.length === 0) return null;
      if (how === 'max') return Math.max(...v);
      const total = v.reduce((x, y) => x + y, 0);
      return how === 'sum' ? total : Math.round((total / v.length) * 10) / 10;
    });
  const out: Series = { ...series, intervalS: series.intervalS * k };
  out.tS = buckets.map(([, to]) => series.tS[to - 1] ?? 0);
  for (const key of GAUGES) out[key] = merge(series[key], 'mean').map((v) => v ?? 0);
  for (const key of COUNTERS) out[key] = merge(series[key], 'sum').map((v) => v ?? 0);
  out.delivered = merge(series.delivered, 'sum');
  out.latencyP50Ms = merge(series.latencyP50Ms, 'mean');
  out.latencyP99Ms = merge(series.latencyP99Ms, 'max');
  return out;
}

/**
 * Drops a last point that covers less than half an interval (the run stopped just after a point):
 * as a rate it would read as a sudden fall.
 */
export function withoutStub(series: Series): Series {
  const n = series.tS.length;
  if (n < 2 || (series.tS[n - 1] ?? 0) - (series.tS[n - 2] ?? 0) >= series.intervalS / 2) return series;
  const out: Series = { ...series, tS: series.tS.slice(0, n - 1) };
  for (const key of [...GAUGES, ...COUNTERS]) out[key] = series[key].slice(0, n - 1);
  for (const key of NULLABLE) out[key] = series[key].slice(0, n - 1);
  return out;
}
