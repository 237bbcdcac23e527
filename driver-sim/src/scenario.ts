import { z } from 'zod';
import type { DropoutPolicy } from './dropouts';

/**
 * A scenario file (JSON) for repeatable runs: the fleet size over time, GPS dropouts, network
 * dropouts and commands to run at given moments (to restart a broker, say). Example in
 * driver-sim/scenarios/rush-hour.json; the format in driver-sim/README.md.
 */
export interface Scenario {
  durationS: number | undefined;
  /** Fleet size from each moment on, in time order; the first is at 0. */
  fleet: { atS: number; drivers: number }[];
  dropouts: DropoutPolicy | undefined;
  events: ScenarioEvent[];
}

export type ScenarioEvent =
  | { atS: number; kind: 'network_dropout'; share: number; seconds: number }
  | { atS: number; kind: 'exec'; command: [string, ...string[]] };

const at = z.number({ error: 'must be a number of seconds' }).min(0, 'must be 0 or more');

const schema = z.strictObject({
  durationS: z.number().positive('must be above 0').optional(),
  fleet: z
    .array(
      z.strictObject({
        at,
        drivers: z.number().int('must be a whole number').min(0).max(200_000),
      }),
    )
    .min(1, 'needs at least one step'),
  dropouts: z
    .strictObject({
      tunnelShare: z.number().min(0).max(0.5).default(0),
      perHour: z.number().min(0).max(3600).default(0),
      minS: z.number().positive().default(5),
      maxS: z.number().positive().default(30),
    })
    .refine((d) => d.minS <= d.maxS, 'minS must not exceed maxS')
    .optional(),
  events: z
    .array(
      z.union([
        z.strictObject({
          at,
          networkDropout: z.strictObject({
            share: z.number().min(0).max(1),
            seconds: z.number().positive(),
          }),
        }),
        z.strictObject({
          at,
          exec: z.array(z.string().min(1)).min(1, 'needs a command'),
        }),
      ]),
    )
    .default([]),
});

/** Validates a parsed scenario file; a bad one is refused with the path of what is wrong. */
export function parseScenario(json: unknown): { ok: true; value: Scenario } | { ok: false; reason: string } {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'scenario'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason };
  }
  const v = parsed.data;
  const fleet = [...v.fleet].sort((a, b) => a.at - b.at).map((f) => ({ atS: f.at, drivers: f.drivers }));
  if (fleet[0]?.atS !== 0) return { ok: false, reason: 'fleet: the first step must be at 0' };
  const events = v.events
    .map((e): ScenarioEvent =>
      'networkDropout' in e
        ? { atS: e.at, kind: 'network_dropout', ...e.networkDropout }
        : { atS: e.at, kind: 'exec', command: e.exec as [string, ...string[]] },
    )
    .sort((a, b) => a.atS - b.atS);
  return { ok: true, value: { durationS: v.durationS, fleet, dropouts: v.dropouts, events } };
}

/** The most drivers the scenario ever has. */
export function peakDrivers(scenario: Scenario): number {
  return Math.max(...scenario.fleet.map((f) => f.drivers));
}
