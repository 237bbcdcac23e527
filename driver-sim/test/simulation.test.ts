import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeLocation, decodeStatus, seededRng } from '@ridetrack/shared';
import { until, useBrokerProcess } from '@ridetrack/testkit';
import { builtInCity } from '../src/roads/city';
import { DEFAULT_SIMULATION, startSimulation, type Simulation } from '../src/simulation';
import { driverTokens } from '../src/tokens';

/** Simulated drivers against the real broker process: they connect, publish, and come back after a restart. */
const secret = randomBytes(32).toString('hex');
const broker = useBrokerProcess({ AUTH_MODE: 'jwt', JWT_SECRET: secret });
let sim: Simulation | undefined;
// Registered after the broker's hooks, so it runs first: the drivers go before their broker does.
afterAll(async () => {
  await sim?.close();
});

describe('simulator against a real broker', () => {
  it(
    'connects every driver, publishes valid fixes, and reconnects after the broker restarts',
    { timeout: 60_000 },
    async () => {
      const port = broker.mqttPort;
      const operator = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: 'operator:ops-sim',
        username: 'ops',
        password: await new (await import('jose')).SignJWT({ role: 'operator' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('ops-sim')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(secret)),
        reconnectPeriod: 200,
      });
      const seen = new Map<string, number>();
      const online = new Set<string>();
      let invalid = 0;
      operator.on('message', (topic, payload) => {
        const [, id = '', kind] = topic.split('/');
        if (kind === 'l') {
          const fix = decodeLocation(payload);
          if (fix.ok) seen.set(id, (seen.get(id) ?? 0) + 1);
          else invalid++;
        } else if (kind === 's') {
          const status = decodeStatus(payload);
          if (status.ok && status.value.online) online.add(id);
          if (status.ok && !status.value.online) online.delete(id);
        }
      });
      operator.on('connect', () => void operator.subscribeAsync(['d/+/l', 'd/+/s']));
      await operator.subscribeAsync(['d/+/l', 'd/+/s']);

      const drivers = 20;
      sim = startSimulation({
        ...DEFAULT_SIMULATION,
        graph: builtInCity(seededRng(1)),
        drivers,
        seed: 3,
        brokers: [`mqtt://127.0.0.1:${port}`],
        tokenFor: driverTokens(secret, 3600),
        tickMs: 250,
        rate: { ...DEFAULT_SIMULATION.rate, maxIntervalS: 1, onTripMaxIntervalS: 1, minIntervalS: 0.2 },
        backoffBaseMs: 100,
        backoffCapMs: 1000,
      });
      await until(() => sim?.stats().connected === drivers, 'all drivers connected');
      await until(() => seen.size === drivers, 'a fix from every driver');
      await until(() => online.size === drivers, 'every driver online');
      expect(invalid).toBe(0);

      // Restart the broker on the same port: drivers come back by themselves. The restart is what
      // this test checks, so it kills and starts the broker itself (the hook stops the new one).
      await broker.stop('SIGKILL');
      await until(() => sim?.stats().connected === 0, 'drivers noticing the broker is gone');
      await broker.startAgain();
      seen.clear();
      await until(() => sim?.stats().connected === drivers, 'all drivers reconnected');
      await until(() => seen.size === drivers, 'fixes from every driver after the restart');
      expect(sim.stats().reconnects).toBeGreaterThanOrEqual(drivers);
      expect(invalid).toBe(0);
      await operator.endAsync();
    },
  );
});
