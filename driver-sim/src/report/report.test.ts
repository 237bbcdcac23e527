import { describe, expect, it } from 'vitest';
import type { SimulationStats } from '../simulation';
import { chartSvg, elapsedText } from './chart';
import { reportPage } from './page';
import { progressLine } from './progress';
import { addPoint, downsample, emptySeries, summarize, withoutStub, type Series } from './series';
import { formatField, SUMMARY_FIELDS, type RunSummary } from './summary';
import { summaryTable } from './table';

const stats = (over: Partial<SimulationStats> = {}): SimulationStats => ({
  target: 10,
  connected: 10,
  published: 0,
  publishedLastSecond: 0,
  reconnects: 0,
  errors: 0,
  refused: 0,
  trips: 0,
  moving: 6,
  parked: 4,
  ticks: 0,
  active: 10,
  gpsBlind: 0,
  dropouts: 0,
  blindTicks: 0,
  ...over,
});

function threeSeconds(): Series {
  const s = emptySeries(1);
  const delivery = (d: number) => ({ delivered: d, latencyP50Ms: 5, latencyP99Ms: 9, latencyMaxMs: 9 });
  addPoint(s, 1, stats(), stats({ published: 10, reconnects: 1 }), delivery(9));
  addPoint(s, 2, stats({ published: 10, reconnects: 1 }), stats({ published: 25, reconnects: 1 }), delivery(16));
  addPoint(s, 3, stats({ published: 25, reconnects: 1 }), stats({ published: 30, reconnects: 3 }), delivery(5));
  return s;
}

describe('report series', () => {
  it('keeps counters per interval, so they add up to the totals', () => {
    const s = threeSeconds();
    expect(s.sent).toEqual([10, 15, 5]);
    expect(s.delivered).toEqual([9, 16, 5]);
    expect(s.reconnects).toEqual([1, 0, 2]);
    const summary = summarize(
      stats({ published: 30, reconnects: 3, blindTicks: 7 }),
      s,
      {
        delivered: 30,
        latencyP50Ms: 5,
        latencyP99Ms: 9,
        latencyMaxMs: 12,
      },
      3,
      1,
    );
    expect(summary).toMatchObject({
      published: 30,
      publishedPerS: 10,
      delivered: 30,
      deliveredShare: 1,
      reconnects: 3,
    });
    expect(summary.noGpsDriverSeconds).toBe(7);
  });

  it('merges points when there are too many: counts summed, gauges averaged, p99 the worst', () => {
    const d = downsample(threeSeconds(), 2);
    expect(d.intervalS).toBe(2);
    expect(d.tS).toEqual([2, 3]);
    expect(d.sent).toEqual([25, 5]);
    expect(d.online).toEqual([10, 10]);
    expect(d.latencyP99Ms).toEqual([9, 9]);
  });

  it('leaves out a last point shorter than half an interval', () => {
    const s = threeSeconds();
    s.tS[2] = 2.3;
    expect(withoutStub(s).tS).toEqual([1, 2]);
    expect(withoutStub(threeSeconds()).tS).toEqual([1, 2, 3]);
  });
});

describe('terminal output', () => {
  it('explains a quiet second rather than printing a bare 0', () => {
    const rate = { minMoveM: 50, maxIntervalS: 15 };
    expect(progressLine(stats({ publishedLastSecond: 37, trips: 2 }), rate)).toBe(
      '10 drivers · 10 online · 6 moving · 4 parked · 37 fixes/s · 2 trips',
    );
    expect(progressLine(stats({ moving: 0, parked: 10 }), rate)).toContain(
      '0 fixes/s (a car reports every 50 m, or every 15 s when parked)',
    );
    expect(progressLine(stats({ connected: 3, reconnects: 2, errors: 5, gpsBlind: 1 }), rate)).toBe(
      '10 drivers · 3 of 10 online · 6 moving · 4 parked · 0 fixes/s (a car reports every 50 m, or every 15 s when parked) · 0 trips · 1 without GPS · 2 reconnects · 5 errors',
    );
  });

  it('ends with a table: field name, value, meaning, aligned', () => {
    const summary = summarize(stats({ published: 12_345 }), threeSeconds(), null, 60, 1);
    const table = summaryTable(summary, 'done');
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toBe('done');
    expect(lines).toContain('  published            12,345   fixes sent by the drivers');
    // No observer: its fields are left out rather than shown empty.
    expect(table).not.toMatch(/delivered|latency/);
    const valueEnds = lines.slice(1).map((l) => l.search(/\S {3}\S/)); // where each value ends
    expect(new Set(valueEnds).size).toBe(1);
  });

  it('formats each kind of field for people', () => {
    const f = (key: keyof RunSummary) => {
      const field = SUMMARY_FIELDS.find((x) => x.key === key);
      if (field === undefined) throw new Error(key);
      return field;
    };
    expect(formatField(f('deliveredShare'), 0.9987)).toBe('99.87 %');
    expect(formatField(f('deliveredShare'), 0.5)).toBe('50.0 %');
    expect(formatField(f('latencyP99Ms'), 1234)).toBe('1,234 ms');
    expect(formatField(f('publishedPerS'), 2.4)).toBe('2.4/s');
    expect(formatField(f('latencyP50Ms'), null)).toBe('n/a');
  });
});

describe('report page', () => {
  it('reads elapsed time as a clock', () => {
    expect([elapsedText(0), elapsedText(75), elapsedText(3725)]).toEqual(['0:00', '1:15', '1:02:05']);
  });

  it('draws a panel with its paths, time axis from 0:00 and units on the values', () => {
    const svg = chartSvg({
      tS: [1, 2, 3, 60],
      unit: 'ms',
      lines: [{ name: 'p50', color: '#000', values: [1, 5, null, 40], style: 'line' }],
    });
    expect(svg).toMatch(/<path class="series line" data-name="p50" d="M[\d.,]+L/);
    expect(svg).toContain('>0:00</text>');
    expect(svg).toContain('>40 ms</text>');
    expect(svg).toContain('time since start');
  });

  it('is one page that fetches nothing', () => {
    const series = threeSeconds();
    const summary = summarize(stats({ published: 30 }), series, null, 3, 1);
    const html = reportPage(summary, series, {
      startedAt: '2026-12-06T10:00:00.000Z',
      brokers: ['mqtt://127.0.0.1:1883'],
      seed: 1,
      roads: 'built-in city',
      jsonFile: 'report.json',
    });
    expect(html.match(/<figure class="panel"/g)).toHaveLength(6);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });
});
