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
  operatorClaims,
  startTestBroker,
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
      expect(problems).toMatch(/MQTT_PORT/);
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
    const t = await startTestBroker();
    const client = await connectClient(t.tcpUrl, 'drv-h', await t.token(driverClaims('drv-h')));
    const health = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', connections: 1, driversOnline: 1 });
    const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ridetrack_connections\{role="driver",transport="tcp"\} 1/);
    expect(metrics).toMatch(/nodejs_eventloop_lag_seconds/);
    expect((await fetch(`${t.httpUrl}/nope`)).status).toBe(404);
    await client.endAsync();
    await t.broker.close();
  });
});

describe('admission', () => {
  it('refuses connections over the cap with CONNACK 3 (server unavailable)', async () => {
    const t = await startTestBroker({ MAX_CONNECTIONS: '1' });
    const first = await connectClient(t.tcpUrl, 'ops-a', await t.token(operatorClaims));
    expect(await connectRefused(t.tcpUrl, 'ops-b', await t.token(operatorClaims))).toBe(3);
    expect(await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'too_many_connections' })).toBe(
      1,
    );
    await first.endAsync();
    await t.broker.close();
  });

  it('bans a client that reconnects in a tight loop', async () => {
    const t = await startTestBroker({ RECONNECT_BAN_CONNECTS: '3', RECONNECT_BAN_MS: '60000' });
    const token = await t.token(driverClaims('drv-loop'));
    for (let i = 0; i < 3; i++) await (await connectClient(t.tcpUrl, 'drv-loop', token)).endAsync();
    expect(await connectRefused(t.tcpUrl, 'drv-loop', token)).toBe(3);
    expect(await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'reconnect_ban' })).toBe(1);
    await t.broker.close();
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, closes every client, and resolves', async () => {
    const t = await startTestBroker({ SHUTDOWN_TIMEOUT_MS: '2000' });
    const tcp = await connectClient(t.tcpUrl, 'ops-1', await t.token(operatorClaims));
    const ws = await connectClient(t.wsUrl, 'ops-2', await t.token(operatorClaims));
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
    const t = await startTestBroker({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key, MQTTS_PORT: '0', HTTPS_PORT: '0' });
    const { mqtts, https } = t.broker.ports;
    if (mqtts === undefined || https === undefined) throw new Error('TLS listeners missing');
    const tls = { rejectUnauthorized: false };
    const overTls = await connectClient(`mqtts://127.0.0.1:${mqtts}`, 'ops-tls', await t.token(operatorClaims), tls);
    const overWss = await connectClient(`wss://127.0.0.1:${https}/mqtt`, 'ops-wss', await t.token(operatorClaims), tls);
    expect(await metricValue(t.broker, 'ridetrack_connections', { transport: 'tls' })).toBe(1);
    expect(await metricValue(t.broker, 'ridetrack_connections', { transport: 'wss' })).toBe(1);
    await Promise.all([overTls.endAsync(), overWss.endAsync()]);
    await t.broker.close();
  });
});
