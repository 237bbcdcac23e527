import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeLocation } from '@ridetrack/shared';
import { driverClaims, packetOf, riderClaims, useTestBroker } from './harness';

/** Debian's mosquitto_pub and mosquitto_sub (package mosquitto-clients) as a driver and a rider. */
const run = promisify(execFile);
const t = useTestBroker();

// Each test starts Debian's mosquitto clients as processes: generous timeouts, since a loaded CI
// machine can take seconds to spawn them (the tests wait on events, never on time).
describe('third-party MQTT clients', () => {
  it('mosquitto_pub as a driver reaches mosquitto_sub as its rider', { timeout: 30_000 }, async () => {
    const port = String(t.broker.ports.mqtt);
    const sub = spawn('stdbuf', [
      '-oL',
      'mosquitto_sub',
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-i',
      'rider:rider-1:mq',
      '-u',
      'rider',
      '-P',
      await t.token(riderClaims('drv-mq')),
      '-t',
      'd/drv-mq/l',
      '-C',
      '1',
      '-F',
      '%x',
      '-W',
      '10',
      '-d',
    ]);
    let out = '';
    // Listen for the exit from the start: mosquitto_sub may receive the fix and exit before
    // mosquitto_pub's own exit has been reported to us.
    // 'close', not 'exit': only then has all of its output been read.
    const exited = once(sub, 'close') as Promise<[number | null]>;
    // With -d (line-buffered by stdbuf), mosquitto_sub reports its SUBACK: from then on it is subscribed.
    const subscribed = new Promise<void>((resolve, reject) => {
      sub.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('received SUBACK')) resolve();
      });
      void exited.then(([code]) => {
        reject(new Error(`mosquitto_sub exited (${String(code)}) before subscribing:\n${out}`));
      });
    });
    await subscribed;
    const file = join(await mkdtemp(join(tmpdir(), 'ridetrack-')), 'fix.bin');
    const packet = packetOf(42);
    await writeFile(file, packet);
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-i',
      'drv-mq',
      '-u',
      'driver',
      '-P',
      await t.token(driverClaims('drv-mq')),
      '-t',
      'd/drv-mq/l',
      '-f',
      file,
    ]);
    const [code] = await exited;
    expect(code).toBe(0);
    // Debug lines start with "Client" or "Subscribed"; the one other line is the payload.
    const payloadLine = out.split('\n').find((line) => /^[0-9a-f]+$/.test(line)) ?? '';
    expect(payloadLine).toBe(packet.toString('hex'));
    expect(decodeLocation(Buffer.from(payloadLine, 'hex'))).toMatchObject({ ok: true, value: { seq: 42 } });
  });

  it('mosquitto_pub with a wrong token is refused as bad user name or password', { timeout: 30_000 }, async () => {
    const port = String(t.broker.ports.mqtt);
    const result = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-i',
      'drv-mq',
      '-u',
      'driver',
      '-P',
      'wrong',
      '-t',
      'd/drv-mq/l',
      '-m',
      'x',
    ]).catch((err: unknown) => err as { code: number; stderr: string });
    expect('code' in result && result.code).toBe(4);
    expect('stderr' in result && result.stderr).toMatch(/bad user name or password/);
  });
});

/** Eclipse Paho's Python client (Debian's python3-paho-mqtt) run as a process; its events as JSON lines. */
const PAHO = join(dirname(fileURLToPath(import.meta.url)), 'clients', 'paho_client.py');
interface PahoEvent {
  event: 'connack' | 'suback' | 'message' | 'puback';
  rc?: number;
  granted?: number[];
  topic?: string;
  payload_hex?: string;
}

/** One Paho client against the test broker: `pub` (publishes `payloadHex` once) or `sub` (waits for one message). */
function paho(
  mode: 'pub' | 'sub',
  transport: 'tcp' | 'ws',
  login: { clientId: string; username: string; password: string },
  topic: string,
  payloadHex?: string,
): {
  next(event: PahoEvent['event']): Promise<PahoEvent>;
  exited: Promise<number | null>;
  stop(): Promise<unknown>;
} {
  const port = transport === 'ws' ? t.broker.ports.http : t.broker.ports.mqtt;
  const args = [mode, transport, '127.0.0.1', String(port), login.clientId, login.username, login.password, topic];
  if (payloadHex !== undefined) args.push(payloadHex);
  const child = spawn('/usr/bin/python3', [PAHO, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const events: PahoEvent[] = [];
  const waiting: { event: string; resolve(e: PahoEvent): void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const e = JSON.parse(line) as PahoEvent;
    const w = waiting.findIndex((x) => x.event === e.event);
    if (w >= 0) waiting.splice(w, 1)[0]?.resolve(e);
    else events.push(e);
  });
  return {
    exited,
    stop: () => {
      child.kill();
      return exited;
    },
    next: (event) => {
      const i = events.findIndex((e) => e.event === event);
      if (i >= 0) return Promise.resolve(events.splice(i, 1)[0] as PahoEvent);
      return new Promise((resolve, reject) => {
        waiting.push({ event, resolve });
        void exited.then((code) => {
          reject(new Error(`paho client exited (${String(code)}) before ${event}`));
        });
      });
    },
  };
}

describe('Eclipse Paho (Python) clients', () => {
  it('a Paho driver over TCP reaches a Paho rider over WebSocket', { timeout: 30_000 }, async () => {
    const rider = paho(
      'sub',
      'ws',
      { clientId: 'rider:rider-1:paho', username: 'rider', password: await t.token(riderClaims('drv-paho')) },
      'd/drv-paho/l',
    );
    expect((await rider.next('connack')).rc).toBe(0);
    expect((await rider.next('suback')).granted).toEqual([1]);
    const packet = packetOf(7);
    const driver = paho(
      'pub',
      'tcp',
      { clientId: 'drv-paho', username: 'driver', password: await t.token(driverClaims('drv-paho')) },
      'd/drv-paho/l',
      packet.toString('hex'),
    );
    expect((await driver.next('connack')).rc).toBe(0);
    await driver.next('puback');
    const message = await rider.next('message');
    expect(message).toMatchObject({ topic: 'd/drv-paho/l', payload_hex: packet.toString('hex') });
    expect(decodeLocation(Buffer.from(message.payload_hex ?? '', 'hex'))).toMatchObject({
      ok: true,
      value: { seq: 7 },
    });
    expect(await rider.exited).toBe(0);
    expect(await driver.exited).toBe(0);
  });

  it(
    'a Paho rider is refused with a bad token, and may not subscribe to another driver',
    { timeout: 30_000 },
    async () => {
      const refused = paho('sub', 'tcp', { clientId: 'rider-x', username: 'rider', password: 'garbage' }, 'd/x/l');
      expect((await refused.next('connack')).rc).toBe(4); // bad user name or password
      expect(await refused.exited).toBe(2);
      const other = paho(
        'sub',
        'tcp',
        { clientId: 'rider:rider-1:y', username: 'rider', password: await t.token(riderClaims('drv-mine')) },
        'd/drv-other/l',
      );
      expect((await other.next('connack')).rc).toBe(0);
      expect((await other.next('suback')).granted).toEqual([128]);
      await other.stop();
    },
  );
});
