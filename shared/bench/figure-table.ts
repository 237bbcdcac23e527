import { baselinesOf, formatFigure, headlines, targetOf, valuesOf } from './headlines';
import { overRunsFile } from './over-runs';
import type { BenchRun } from './results';

/** How many of the latest runs the range is taken over. */
export const RANGE_RUNS = 10;

/**
 * A bench's figures for docs/benchmarks.md, from its results file: the latest run's date, commit,
 * machine, load and command, then a row per headline figure with its target, the latest value, the
 * same-run baselines, the range over the last runs and its chart. Markdown; links are relative to
 * docs/.
 */
export function figureTable(bench: string, runs: readonly BenchRun[]): string {
  const latest = runs.at(-1);
  if (latest === undefined) return `No run of \`${bench}\` recorded yet.`;
  const recent = runs.slice(-RANGE_RUNS);
  const load =
    latest.loadAverage === undefined
      ? ''
      : `; load average ${latest.loadAverage.join(' / ')} (1 / 5 / 15 min) as it ended`;
  const lines = [
    `- Latest run: ${latest.date.slice(0, 16).replace('T', ' ')} UTC, \`${latest.commit}\`; ${latest.machine}${load}.`,
    `- Command: \`${latest.command ?? `npm run bench:${bench}`}\`; settings \`${JSON.stringify(latest.settings)}\`.`,
    `- Runs recorded: ${runs.length} ([\`results/${bench}.jsonl\`](results/${bench}.jsonl)).`,
    '',
    `| figure | target | latest | same-run baseline | last ${recent.length === 1 ? 'run' : `${recent.length} runs`} | chart |`,
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, h] of Object.entries(headlines(latest))) {
    const values = valuesOf(name, h);
    /** `p99Ms.sse` is shown as `sse` in its figure's row; a number figure's value has no label. */
    const label = (key: string, text: string): string =>
      key === name ? text : `${key.slice(name.length + 1)} ${text}`;
    const targets = [...values.keys()].flatMap((key) => {
      const t = targetOf(latest, key);
      if (t === undefined) return [];
      const text = `${t.atLeast ? '≥' : '≤'} ${formatFigure(key, t.value)}`;
      return [t.value === latest.targets?.[name] ? text : label(key, text)];
    });
    const seen = recent.filter((r) => headlines(r)[name] !== undefined);
    const ranges = [...values.keys()].map((key) => {
      const xs = seen.flatMap((r) => valuesOf(name, headlines(r)[name]).get(key) ?? []);
      const [lo, hi] = [formatFigure(key, Math.min(...xs)), formatFigure(key, Math.max(...xs))];
      return label(key, lo === hi ? lo : `${lo} – ${hi}`);
    });
    const baselines = [...baselinesOf(latest, name)].map(([b, bh]) =>
      [b, ...[...valuesOf(name, bh)].map(([key, v]) => label(key, formatFigure(key, v)))].join(' '),
    );
    lines.push(
      `| ${name} | ${[...new Set(targets)].join('; ')} | ${[...values].map(([key, v]) => label(key, formatFigure(key, v))).join('; ')} | ${baselines.join('; ')} | ${seen.length < 2 ? 'one run' : `${ranges.join('; ')} (${seen.length} runs)`} | [chart](images/bench/${overRunsFile(bench, name)}) |`,
    );
  }
  return lines.join('\n');
}

/** The marked section of a bench in a Markdown page, replaced by `body`; pages without the markers are left as they are. */
export function replaceSection(page: string, bench: string, body: string): string {
  const begin = `<!-- results:${bench} -->`;
  const end = `<!-- /results:${bench} -->`;
  const at = page.indexOf(begin);
  const until = page.indexOf(end, at);
  if (at < 0 || until < 0) return page;
  return `${page.slice(0, at + begin.length)}\n\n${body}\n\n${page.slice(until)}`;
}
