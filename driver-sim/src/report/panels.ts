import { elapsedText, type ChartLine } from './chart';
import type { Series } from './series';

/** The report's panels: what each chart draws from the series, its title, unit and explanation. */
export const COLORS = {
  green: '#37872d',
  blue: '#1f60c4',
  orange: '#e0752d',
  red: '#c4162a',
  purple: '#8f3bb8',
  yellow: '#d4a017',
  grey: '#8e8e8e',
} as const;

export interface Panel {
  title: string;
  about: string;
  unit: string;
  integer: boolean;
  lines: ChartLine[];
}

/** The six panels, from a series already cut to a drawable number of points. */
export function panels(s: Series): Panel[] {
  // A count per second over each point's own span (the first starts at 0).
  const perS = (a: readonly (number | null)[]) =>
    a.map((v, i) => {
      const spanS = (s.tS[i] ?? 0) - (i === 0 ? 0 : (s.tS[i - 1] ?? 0));
      return v === null || spanS <= 0 ? null : Math.round((v / spanS) * 10) / 10;
    });
  let sentSoFar = 0;
  let deliveredSoFar = 0;
  const undelivered = s.sent.map((v, i) => {
    sentSoFar += v;
    deliveredSoFar += s.delivered[i] ?? 0;
    return s.delivered[i] === null ? null : Math.max(0, sentSoFar - deliveredSoFar);
  });
  const per = s.intervalS === 1 ? 'per second' : `per ${elapsedText(s.intervalS)}`;
  const observed = s.delivered.some((v) => v !== null);
  return [
    {
      title: 'Drivers online',
      about: 'Connected drivers; dashed, drivers meant to be on duty; moving, those driving rather than parked.',
      unit: '',
      integer: true,
      lines: [
        { name: 'online', color: COLORS.green, values: s.online, style: 'line' },
        { name: 'on duty', color: COLORS.grey, values: s.active, style: 'dashed' },
        { name: 'moving', color: COLORS.blue, values: s.moving, style: 'line' },
      ],
    },
    {
      title: 'Fixes sent and delivered',
      about: observed
        ? 'Fixes per second the drivers sent, and that the observer (a subscriber to the whole fleet) received back.'
        : 'Fixes per second the drivers sent (no observer in this run: --no-observer).',
      unit: '/s',
      integer: false,
      lines: [
        { name: 'sent', color: COLORS.blue, values: perS(s.sent), style: 'line' },
        ...(observed
          ? [{ name: 'delivered', color: COLORS.green, values: perS(s.delivered), style: 'dashed' as const }]
          : []),
      ],
    },
    {
      title: 'Delivery latency',
      about: "From a fix's timestamp to its receipt by the observer, over each interval.",
      unit: 'ms',
      integer: false,
      lines: [
        { name: 'p50', color: COLORS.green, values: s.latencyP50Ms, style: 'line' },
        { name: 'p99', color: COLORS.orange, values: s.latencyP99Ms, style: 'line' },
      ],
    },
    {
      title: 'Reconnects and errors',
      about: `Connections lost and made again, and connection errors, ${per}.`,
      unit: '',
      integer: true,
      lines: [
        { name: 'reconnects', color: COLORS.orange, values: s.reconnects, style: 'step' },
        { name: 'errors', color: COLORS.red, values: s.errors, style: 'step' },
      ],
    },
    {
      title: 'GPS dropouts',
      about: `Drivers without a GPS fix (tunnels, dropouts), and dropouts started ${per}.`,
      unit: '',
      integer: true,
      lines: [
        { name: 'without GPS', color: COLORS.purple, values: s.noGps, style: 'line' },
        { name: 'dropouts started', color: COLORS.yellow, values: s.dropouts, style: 'step' },
      ],
    },
    {
      title: 'Fixes not delivered',
      about: observed
        ? 'Fixes sent so far that the observer has not received: in flight, or lost. A line that keeps rising is a loss.'
        : 'Needs the observer (this run had --no-observer).',
      unit: '',
      integer: true,
      lines: [{ name: 'sent − delivered, so far', color: COLORS.red, values: undelivered, style: 'line' }],
    },
  ];
}
