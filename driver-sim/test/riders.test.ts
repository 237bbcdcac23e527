import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRng } from '@ridetrack/shared';
import { until, useBrokerProcess } from '@ridetrack/testkit';
import { builtInCity } from '../src/roads/city';
import { startRiders, type Riders, type RidersOptions } from '../src/riders';
import { DEFAULT_SIMULATION, startSimulation, type Simulation } from '../src/simulation';
import { driverTokens, serviceToken } from '../src/tokens';

/**
 * Simulated riders against the real broker process and a simulated fleet: rides are asked for
 * over the trip API, the fleet's cars take them, riders get in once their car waits, and the
 * rides end at their drop-offs.
 */
const secret = randomBytes(32).toString('hex');
const broker = useBrokerProcess({ AUTH_MODE: 'jwt', JWT_SECRET: secret, TRIP_WAIT_S: '60' });
let sim: Simulation | undefined;
let riders: Riders | undefined;
afterAll(async () => {
  await riders?.close();
  await sim?.close();
});

/** A small city (600 m across), so that a ride is driven in well under a minute. */
const graph = builtInCity(seededRng(2), { center: { lat: 39.29, lng: -76.61 }, blocks: 6, blockM: 100 });

/** Riders on that city: short rides, riders out at once, each ride looked at every 300 ms. */
const quick = (over: Pick<RidersOptions, 'token' | 'seed' | 'ridesPerMin'>): RidersOptions => ({
  apiUrl: broker.httpUrl,
  graph,
  minTripM: 150,
  maxTripM: 300,
  walkOutMinMs: 500,
  walkOutMaxMs: 1000,
  maxOpen: 2,
  pollMs: 300,
  riderPrefix: 'sim-rider-',
  ...over,
});

describe('simulated riders', () => {
  it(
    'ask for rides that the fleet drives to their end, getting in when the car waits',
    { timeout: 150_000 },
    async () => {
      sim = startSimulation({
        ...DEFAULT_SIMULATION,
        graph,
        drivers: 6,
        seed: 4,
        brokers: [`mqtt://127.0.0.1:${broker.mqttPort}`],
        tokenFor: driverTokens(secret, 3600),
        tickMs: 250,
        rate: { ...DEFAULT_SIMULATION.rate, maxIntervalS: 1, onTripMaxIntervalS: 1, minIntervalS: 0.2 },
        backoffBaseMs: 100,
        backoffCapMs: 1000,
      });
      await until(() => sim?.stats().connected === 6, 'the fleet online');
      const problems: string[] = [];
      riders = startRiders(quick({ token: await serviceToken(secret, 'sim-riders', 3600), seed: 1, ridesPerMin: 30 }), {
        onProblem: (p) => problems.push(p.kind),
      });
      await until(() => (riders?.stats().requested ?? 0) > 0, 'a ride dispatched', 20_000);
      await until(() => (riders?.stats().boarded ?? 0) > 0, 'a rider in a car', 60_000);
      await until(() => (riders?.stats().completed ?? 0) > 0, 'a ride completed', 90_000);
      const s = riders.stats();
      expect(s.open).toBeLessThanOrEqual(2);
      expect(s.failed).toBe(0);
      expect(problems).toEqual([]);
      expect(sim.stats().trips).toBeGreaterThan(0);
    },
  );

  it('stop asking, and say why once, when the broker refuses their token', { timeout: 20_000 }, async () => {
    const problems: string[] = [];
    const refused = startRiders(
      quick({
        token: await serviceToken(randomBytes(32).toString('hex'), 'sim-riders', 3600),
        seed: 2,
        ridesPerMin: 600,
      }),
      { onProblem: (p) => problems.push(`${p.kind}${p.kind === 'refused' ? ` ${p.status}` : ''}`) },
    );
    await until(() => problems.length > 0, 'the refusal said');
    // Asks already on their way when the refusal came are answered (close() waits for them); no
    // more are made: at 600 a minute, some fifteen would be asked in the next 1.5 s.
    await new Promise((r) => setTimeout(r, 1500));
    await refused.close();
    expect(refused.stats().failed).toBeLessThanOrEqual(8);
    expect(problems).toEqual(['refused 401']);
    expect(refused.stats().requested).toBe(0);
  });
});
