import type { BenchRun } from './results';

/**
 * The figures of a run that are charted over runs and shown on docs/benchmarks.md: each a number,
 * or an object of numbers (one series, one row per key: `p99Ms: { websocket: 8, sse: 5 }`). Lists
 * and deeper objects are the run's detail: kept in the results file, not charted.
 */
export type Headline = number | Record<string, number>;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A value as a headline: a finite number, or an object whose values are numbers (nulls left out). */
export function asHeadline(v: unknown): Headline | undefined {
  if (isNumber(v)) return v;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const entries = Object.entries(v);
  if (entries.some(([, x]) => x !== null && !isNumber(x))) return undefined;
  const numbers = entries.filter((e): e is [string, number] => isNumber(e[1]));
  return numbers.length === 0 ? undefined : Object.fromEntries(numbers);
}

export function headlines(run: BenchRun): Record<string, Headline> {
  const out: Record<string, Headline> = {};
  for (const [k, v] of Object.entries(run.figures)) {
    const h = asHeadline(v);
    if (h !== undefined) out[k] = h;
  }
  return out;
}

/** A headline's values by the key they are shown under: the figure's name for a number, else `name.key`. */
export function valuesOf(name: string, h: Headline | undefined): Map<string, number> {
  if (h === undefined) return new Map();
  return typeof h === 'number' ? new Map([[name, h]]) : new Map(Object.entries(h).map(([k, v]) => [`${name}.${k}`, v]));
}

/**
 * The same figure of the run's same-run baselines, by baseline: `baselines.<baseline>.<name>` (a
 * number, or an object of numbers keyed like the figure's).
 */
export function baselinesOf(run: BenchRun, name: string): Map<string, Headline> {
  const out = new Map<string, Headline>();
  for (const [b, entry] of Object.entries(run.baselines ?? {})) {
    if (typeof entry !== 'object' || entry === null) continue;
    const h = asHeadline((entry as Record<string, unknown>)[name]);
    if (h !== undefined) out.set(b, h);
  }
  return out;
}

/** The target of one shown key (`name` or `name.key`): its own, else its figure's. */
export function targetOf(run: BenchRun, key: string): { value: number; atLeast: boolean } | undefined {
  const figure = key.split('.')[0] ?? key;
  const own = run.targets?.[key];
  const name = own === undefined ? figure : key;
  const value = run.targets?.[name];
  if (value === undefined) return undefined;
  return { value, atLeast: run.atLeast?.includes(name) === true };
}

/** A figure as a reader wants it: shares and errors as percentages, large numbers grouped. */
export function formatFigure(key: string, v: number): string {
  if (/(Share|Error)$/.test(key.split('.')[0] ?? key)) return `${(v * 100).toFixed(1)}%`;
  const abs = Math.abs(v);
  if (abs >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString('en-US');
  return abs >= 10 ? v.toFixed(1) : v.toPrecision(3);
}
