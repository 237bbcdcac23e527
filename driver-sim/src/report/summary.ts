/**
 * What a simulation run measured, as one flat record: the terminal table, the report's JSON and
 * its page all use these field names, and driver-sim/README.md explains each.
 */
export interface RunSummary {
  /** Seconds from start to stop. */
  durationS: number;
  /** Drivers the run simulates at its peak (--drivers, or a scenario's largest fleet). */
  drivers: number;
  /** Most drivers connected at once. */
  peakOnline: number;
  /** Drivers connected when the run ended. */
  online: number;
  /** Fixes the drivers sent. */
  published: number;
  publishedPerS: number;
  /** Fixes the observer received back from the broker (null without an observer). */
  delivered: number | null;
  /** delivered / published, 0..1. */
  deliveredShare: number | null;
  /** Time from a fix's timestamp to its receipt by the observer: median, 99th percentile, worst. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  latencyMaxMs: number | null;
  /** Connections lost unexpectedly and made again. */
  reconnects: number;
  /** CONNECTs the broker refused (CONNACK return code). */
  refused: number;
  /** Connection errors: refused, reset, timed out. */
  errors: number;
  /** Trips dispatch assigned to the simulated drivers. */
  trips: number;
  /** GPS dropouts (tunnel aside) and network dropouts started. */
  dropouts: number;
  /** Driver-seconds without a GPS fix (tunnels, dropouts): no fix could be sent. */
  noGpsDriverSeconds: number;
}

export interface SummaryField {
  key: keyof RunSummary;
  about: string;
  unit?: string;
}

/** The fields in table order, with the one-line explanation the table prints beside each. */
export const SUMMARY_FIELDS: readonly SummaryField[] = [
  { key: 'durationS', about: 'run time', unit: 's' },
  { key: 'drivers', about: 'drivers simulated (peak fleet)' },
  { key: 'peakOnline', about: 'most drivers connected at once' },
  { key: 'online', about: 'drivers connected at the end' },
  { key: 'published', about: 'fixes sent by the drivers' },
  { key: 'publishedPerS', about: 'fixes sent per second, on average', unit: '/s' },
  { key: 'delivered', about: 'fixes the observer got back from the broker' },
  { key: 'deliveredShare', about: 'delivered / published', unit: '%' },
  { key: 'latencyP50Ms', about: 'delivery latency, median (fix time to receipt)', unit: 'ms' },
  { key: 'latencyP99Ms', about: 'delivery latency, 99th percentile', unit: 'ms' },
  { key: 'latencyMaxMs', about: 'delivery latency, worst', unit: 'ms' },
  { key: 'reconnects', about: 'connections lost and made again' },
  { key: 'refused', about: 'connections the broker refused (CONNACK)' },
  { key: 'errors', about: 'connection errors (refused, reset, timed out)' },
  { key: 'trips', about: 'trips dispatch assigned' },
  { key: 'dropouts', about: 'GPS and network dropouts started' },
  { key: 'noGpsDriverSeconds', about: 'driver-seconds without GPS (no fix sent)', unit: 's' },
];

/** A field's value for people: thousands separated, shares as percentages, no value as "n/a". */
export function formatField(field: SummaryField, value: number | null): string {
  if (value === null) return 'n/a';
  if (field.unit === '%') return `${(value * 100).toFixed(value >= 0.99 && value < 1 ? 2 : 1)} %`;
  const digits = Number.isInteger(value) ? 0 : value < 1 ? 2 : 1;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return field.unit === undefined ? text : field.unit === '/s' ? `${text}/s` : `${text} ${field.unit}`;
}
