/**
 * npm run bench:charts — draws docs/images/bench/*.svg from the results files (docs/results/*.jsonl):
 * for every bench, each headline figure over its runs (the x axis is the run, labelled with its
 * date and commit) beside its same-run baselines and its target; for the benches measured against
 *  offered load or across implementations (broker, sim, transports), charts of the latest full run with
 * all of them on one chart. Then rewrites, in docs/benchmarks.md, each bench's marked section
 * (`<!-- results:<bench> -->`) with its figures' table (target, latest, range, machine, command).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { figureTable, replaceSection } from './figure-table';
import { LATEST_CHARTS } from './latest-charts';
import { overRunsCharts } from './over-runs';
import { readRuns, RESULTS_DIR, ROOT, type BenchRun } from './results';

const OUT = join(ROOT, 'docs/images/bench');
const PAGE = join(ROOT, 'docs/benchmarks.md');

/** How many rows (a broker's steps, a simulator's levels) a run's figures hold. */
const rowCount = (run: BenchRun): number =>
  Object.values(run.figures).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);

/**
 * The run the latest-run charts draw: the latest with at least half the rows of the fullest, so a
 * quick run of one step (an idle-memory check) does not replace the whole ladder on the charts.
 */
function chartedRun(runs: readonly BenchRun[]): BenchRun | undefined {
  const most = Math.max(0, ...runs.map(rowCount));
  for (let i = runs.length - 1; i >= 0; i--) {
    const run = runs[i] as BenchRun;
    if (rowCount(run) * 2 >= most) return run;
  }
  return runs.at(-1);
}

mkdirSync(OUT, { recursive: true });
let written = 0;
let page = readFileSync(PAGE, 'utf8');
for (const file of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.jsonl'))) {
  const bench = file.replace(/\.jsonl$/, '');
  const runs = readRuns(bench);
  const charted = chartedRun(runs);
  if (charted === undefined) continue;
  const charts = { ...overRunsCharts(bench, runs), ...LATEST_CHARTS[bench]?.(charted) };
  for (const [name, svg] of Object.entries(charts)) {
    writeFileSync(join(OUT, name), svg);
    written++;
  }
  page = replaceSection(page, bench, figureTable(bench, runs));
}
writeFileSync(PAGE, await format(page, { ...(await resolveConfig(PAGE)), filepath: PAGE }));
process.stdout.write(`bench:charts: ${written} charts in docs/images/bench/, figure tables in docs/benchmarks.md\n`);
