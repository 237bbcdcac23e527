import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine } from './machine';

/**
 * Benchmark runs as data: each `npm run bench:*` appends its run, one JSON line, to
 * docs/results/<bench>.jsonl (date, commit, machine, settings, every figure, the same-run
 * baselines). docs/benchmarks.md shows the latest and the range, and `npm run bench:charts` draws
 * the charts from these files.
 */
export interface BenchRun {
  bench: string;
  date: string;
  commit: string;
  machine: string;
  settings: Record<string, unknown>;
  figures: Record<string, unknown>;
  /** The same figures for the baselines measured in the same run (stock Aedes, Mosquitto, GEOSEARCH). */
  baselines?: Record<string, unknown>;
  /**
   * What the figures are compared with: figure name to its value ("kneeVsMosquitto": 0.75), or
   * "figure.key" for one key of a figure that is an object of numbers ("mostDriversKept.at4s").
   * A target is a ceiling (at most) unless its name is in `atLeast`.
   */
  targets?: Record<string, number>;
  /** The targets that are floors: the figure should be at least the target ("movedShare"). */
  atLeast?: string[];
  /** How the run was started, with the BENCH_* settings it had ("BENCH_SECONDS=5 npm run bench:codec"). */
  command?: string;
  /** The machine's load average (1, 5, 15 min) as the run ended: other work on shared cores. */
  loadAverage?: number[];
}

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_DIR = join(ROOT, 'docs/results');

export function resultsFile(bench: string): string {
  return join(RESULTS_DIR, `${bench}.jsonl`);
}

/** The commit measured, with `+` when the working tree had changes. */
export function currentCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT }).toString();
    return dirty.trim() === '' ? commit : `${commit}+`;
  } catch {
    return 'unknown';
  }
}

/** The command that started this run: its BENCH_* settings, then the npm script or the file. */
function currentCommand(): string {
  const settings = Object.entries(process.env)
    .filter(([k, v]) => k.startsWith('BENCH_') && v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v ?? ''}`);
  // `npx tsx <file>` also sets npm_lifecycle_event, to "npx": that is not an npm script.
  const script = process.env['npm_lifecycle_event'];
  const started =
    script === undefined || script === 'npx' ? `tsx ${relative(ROOT, process.argv[1] ?? '')}` : `npm run ${script}`;
  return [...settings, started].join(' ');
}

/** Appends one run to the bench's results file; returns the record as written. */
export function recordRun(
  bench: string,
  run: Pick<BenchRun, 'settings' | 'figures'> & Partial<Pick<BenchRun, 'baselines' | 'targets' | 'atLeast'>>,
): BenchRun {
  const record: BenchRun = {
    bench,
    date: new Date().toISOString(),
    commit: currentCommit(),
    machine: machineLine(),
    command: currentCommand(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    ...run,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  appendFileSync(resultsFile(bench), `${JSON.stringify(record)}\n`);
  return record;
}

/** Every run of a bench, oldest first (lines that do not parse are skipped). */
export function readRuns(bench: string): BenchRun[] {
  const file = resultsFile(bench);
  if (!existsSync(file)) return [];
  const runs: BenchRun[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      runs.push(JSON.parse(line) as BenchRun);
    } catch {
      // a torn line (a run cut off while writing): not a run
    }
  }
  return runs;
}
