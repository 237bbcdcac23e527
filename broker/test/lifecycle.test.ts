import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, optionsFromConfig, startBroker } from '../src/index';
import {
  clientClosed,
  connectClient,
  connectRefused,
  driverClaims,
  metricValue,
  mqttString,
  operatorClaims,
  rawConnect,
  rawSocket,
  closed,
  startTestBroker,
  withTestBroker,
  type TestBroker,
} from './harness';

const silent = pino({ level: 'silent' });

describe('configuration', () => {
  it('reports every problem at once', () => {
    try {
      loadConfig({ MQTT_PORT: 'abc', AUTH_MODE: 'jwt', MAX_PACKET_BYTES: '5', TLS_CERT_FILE: '/x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/MQTT_PORT: must be a number/);
      expect(problems).not.toMatch(/NaN/);
      expect(problems).toMatch(/MAX_PACKET_BYTES/);
      expect(problems).toMatch(/JWT_SECRET: AUTH_MODE=jwt needs JWT_SECRET or JWT_PUBLIC_KEY/);
      expect(problems).toMatch(/TLS_CERT_FILE: TLS_CERT_FILE and TLS_KEY_FILE go together/);
    }
  });

  it("lifts the fleet's per-client policies in open mode, unless they are set", () => {
    const fleet = loadConfig({ AUTH_MODE: 'dev' });
    expect([fleet.MAX_PACKET_BYTES, fleet.PUBLISH_RATE_PER_S, fleet.RECONNECT_BAN_CONNECTS]).toEqual([8192, 20, 30]);
    const open = loadConfig({ AUTH_MODE: 'open' });
    expect(open.MAX_PACKET_BYTES).toBe(268_435_455);
    expect(open.PUBLISH_RATE_PER_S).toBeGreaterThanOrEqual(1_000_000);
    expect(open.RECONNECT_BAN_CONNECTS).toBeGreaterThanOrEqual(1_000_000);
    expect(loadConfig({ AUTH_MODE: 'open', MAX_PACKET_BYTES: '4096' }).MAX_PACKET_BYTES).toBe(4096);
  });

  it.each(['open', 'dev'])('refuses AUTH_MODE=%s on a non-loopback address unless forced', async (mode) => {
    const config = loadConfig({
      AUTH_MODE: mode,
      HOST: '0.0.0.0',
      MQTT_PORT: '0',
      HTTP_PORT: '0',
      JWT_SECRET: 'x'.repeat(32),
    });
    await expect(startBroker(await optionsFromConfig(config), { log: silent })).rejects.toThrow(
      /binds only to loopback/,
    );
  });
});

describe('HTTP endpoints', () => {
  it('serves /healthz and Prometheus /metrics', async () => {
    await withTestBroker({}, async (t) => {
      const client = await connectClient(t.tcpUrl, 'drv-h', await t.token(driverClaims('drv-h')));
      const health = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', connections: 1, driversOnline: 1 });
      const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/ridetrack_connections\{role="driver",transport="tcp"\} 1/);
      expect(metrics).toMatch(/nodejs_eventloop_lag_seconds/);
      expect((await fetch(`${t.httpUrl}/nope`)).status).toBe(404);
      await client.endAsync();
      // The broker's one close handler counts the connection out and marks the driver offline.
      const deadline = Date.now() + 5000;
      let after = '';
      while (Date.now() < deadline) {
        after = await (await fetch(`${t.httpUrl}/metrics`)).text();
        if (/ridetrack_connections\{role="driver",transport="tcp"\} 0/.test(after)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(after).toMatch(/ridetrack_connections\{role="driver",transport="tcp"\} 0/);
      const healthAfter = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as Record<string, unknown>;
      expect(healthAfter).toMatchObject({ connections: 0, driversOnline: 0 });
    });
  });
});

describe('admission', () => {
  it('refuses connections over the cap with CONNACK 3 (server unavailable)', async () => {
    await withTestBroker({ MAX_CONNECTIONS: '1' }, async (t) => {
      const first = await connectClient(t.tcpUrl, 'operator:ops-1:a', await t.token(operatorClaims));
      expect(await connectRefused(t.tcpUrl, 'operator:ops-1:b', await t.token(operatorClaims))).toBe(3);
      expect(
        await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'too_many_connections' }),
      ).toBe(1);
      await first.endAsync();
    });
  });

  it('bans a client that reconnects in a tight loop', async () => {
    await withTestBroker({ RECONNECT_BAN_CONNECTS: '3', RECONNECT_BAN_MS: '60000' }, async (t) => {
      const token = await t.token(driverClaims('drv-loop'));
      for (let i = 0; i < 3; i++) await (await connectClient(t.tcpUrl, 'drv-loop', token)).endAsync();
      expect(await connectRefused(t.tcpUrl, 'drv-loop', token)).toBe(3);
      expect(await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'reconnect_ban' })).toBe(1);
    });
  });

  it("cannot be turned against a driver: CONNECTs with its id and no valid token don't lock it out", async () => {
    await withTestBroker(
      {
        RECONNECT_BAN_CONNECTS: '30',
        AUTH_FAILURE_BAN_COUNT: '20',
        AUTH_FAILURE_BAN_MS: '60000',
      },
      async (t) => {
        // The reproduction: 31 CONNECTs with the driver's client id and a bad token, from
        // another address (127.0.0.2; the driver comes from 127.0.0.1).
        const codes: number[] = [];
        for (let i = 0; i < 31; i++) codes.push(await rawConnackCode(t, '127.0.0.2', 'drv-victim', 'not-a-token'));
        // 21 are refused as bad credentials (the 21st failure starts the ban); from then on the address
        // is refused before any token work.
        expect(codes.slice(0, 21)).toEqual(new Array<number>(21).fill(4));
        expect(codes.slice(21)).toEqual(new Array<number>(10).fill(3));
        expect(await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'auth_failures' })).toBe(
          10,
        );
        // The real driver connects, from its own address, at once.
        const driver = await connectClient(t.tcpUrl, 'drv-victim', await t.token(driverClaims('drv-victim')));
        expect(driver.connected).toBe(true);
        expect(await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'reconnect_ban' })).toBe(0);
        await driver.endAsync();
      },
    );
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, closes every client, and resolves', async () => {
    // Started here, not with withTestBroker: closing it is what this test does.
    const t = await startTestBroker({ SHUTDOWN_TIMEOUT_MS: '2000' });
    const tcp = await connectClient(t.tcpUrl, 'operator:ops-1:1', await t.token(operatorClaims));
    const ws = await connectClient(t.wsUrl, 'operator:ops-1:2', await t.token(operatorClaims));
    const closedBoth = Promise.all([clientClosed(tcp), clientClosed(ws)]);
    const started = Date.now();
    await t.broker.close();
    await closedBoth;
    expect(Date.now() - started).toBeLessThan(2500);
    expect(await connectRefused(t.tcpUrl, 'ops-3', undefined).catch(() => -2)).not.toBe(0);
  });
});

describe('TLS', () => {
  it('serves MQTTS and WSS when a certificate and key are configured', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ridetrack-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    await withTestBroker({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key, MQTTS_PORT: '0', HTTPS_PORT: '0' }, async (t) => {
      const { mqtts, https } = t.broker.ports;
      if (mqtts === undefined || https === undefined) throw new Error('TLS listeners missing');
      const tls = { rejectUnauthorized: false };
      const overTls = await connectClient(
        `mqtts://127.0.0.1:${mqtts}`,
        'operator:ops-1:tls',
        await t.token(operatorClaims),
        tls,
      );
      const overWss = await connectClient(
        `wss://127.0.0.1:${https}/mqtt`,
        'operator:ops-1:wss',
        await t.token(operatorClaims),
        tls,
      );
      expect(await metricValue(t.broker, 'ridetrack_connections', { transport: 'tls' })).toBe(1);
      expect(await metricValue(t.broker, 'ridetrack_connections', { transport: 'wss' })).toBe(1);
      await Promise.all([overTls.endAsync(), overWss.endAsync()]);
    });
  });
});

/** A raw CONNECT from `localAddress` with this client id and password: the CONNACK return code. */
async function rawConnackCode(
  t: TestBroker,
  localAddress: string,
  clientId: string,
  password: string,
): Promise<number> {
  const socket = await rawSocket(t.broker.ports.mqtt, localAddress);
  socket.write(rawConnect({ flags: 0xc2, fields: [mqttString(clientId), mqttString('token'), mqttString(password)] }));
  await closed(socket);
  const connack = Buffer.concat(socket.received);
  return connack[0] === 0x20 ? (connack[3] ?? -1) : -1;
}
