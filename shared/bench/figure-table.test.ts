import { describe, expect, it } from 'vitest';
import { figureTable, replaceSection } from './figure-table';
import { headlines } from './headlines';
import type { BenchRun } from './results';

const run = (date: string, p99: number, kept: number): BenchRun => ({
  bench: 'demo',
  date,
  commit: 'abc1234',
  machine: 'a test machine',
  command: 'BENCH_SECONDS=5 npm run bench:demo',
  loadAverage: [3.5, 2, 1],
  settings: { seconds: 5 },
  figures: {
    p99Ms: { websocket: p99, sse: 2 * p99 },
    mostKept: kept,
    deliveredShare: 0.987 + kept / 1e9,
    level: [{ drivers: 1000 }],
    replay: { fixes: 6, motion: { movedShare: 1 } },
    missing: null,
  },
  baselines: { mosquitto: { mostKept: 40_000 }, mainGlide: { p99Ms: { websocket: 30 } } },
  targets: { 'p99Ms.websocket': 20, mostKept: 50_000 },
  atLeast: ['mostKept'],
});

describe('headlines', () => {
  it('keeps numbers and objects of numbers, not lists, nulls or deeper objects', () => {
    expect(headlines(run('2026-12-07T10:00:00.000Z', 8, 19_000))).toEqual({
      p99Ms: { websocket: 8, sse: 16 },
      mostKept: 19_000,
      deliveredShare: 0.987019,
    });
  });
});

describe('figureTable', () => {
  it('shows each figure with its target, the latest, the baselines and the range over the runs', () => {
    const table = figureTable('demo', [
      run('2026-12-06T10:00:00.000Z', 12, 15_000),
      run('2026-12-07T10:00:00.000Z', 8, 19_000),
    ]);
    expect(table.split('\n')).toEqual([
      '- Latest run: 2026-12-07 10:00 UTC, `abc1234`; a test machine; load average 3.5 / 2 / 1 (1 / 5 / 15 min) as it ended.',
      '- Command: `BENCH_SECONDS=5 npm run bench:demo`; settings `{"seconds":5}`.',
      '- Runs recorded: 2 ([`results/demo.jsonl`](results/demo.jsonl)).',
      '',
      '| figure | target | latest | same-run baseline | last 2 runs | chart |',
      '| --- | --- | --- | --- | --- | --- |',
      '| p99Ms | websocket ≤ 20 | websocket 8; sse 16 | mainGlide websocket 30 | websocket 8 – 12; sse 16 – 24 (2 runs) | [chart](images/bench/demo-p99Ms.svg) |',
      '| mostKept | ≥ 50,000 | 19,000 | mosquitto 40,000 | 15,000 – 19,000 (2 runs) | [chart](images/bench/demo-mostKept.svg) |',
      '| deliveredShare |  | 98.7% |  | 98.7% (2 runs) | [chart](images/bench/demo-deliveredShare.svg) |',
    ]);
  });

  it('says when a bench has no run', () => {
    expect(figureTable('demo', [])).toBe('No run of `demo` recorded yet.');
  });
});

describe('replaceSection', () => {
  it("replaces only the bench's marked section, and leaves a page without markers alone", () => {
    const page = 'a\n<!-- results:demo -->\nold\n<!-- /results:demo -->\nb\n';
    expect(replaceSection(page, 'demo', 'new')).toBe('a\n<!-- results:demo -->\n\nnew\n\n<!-- /results:demo -->\nb\n');
    expect(replaceSection(page, 'other', 'new')).toBe(page);
  });
});
