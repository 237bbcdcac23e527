import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLocation } from '@ridetrack/shared';
import { driverClaims, packetOf, riderClaims, startTestBroker, type TestBroker } from './harness';

/** Debian's mosquitto_pub and mosquitto_sub (package mosquitto-clients) as a driver and a rider. */
const run = promisify(execFile);
let t: TestBroker;
beforeAll(async () => {
  t = await startTestBroker();
});
afterAll(async () => {
  await t.broker.close();
});

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
      'rider-mq',
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
    const exited = once(sub, 'exit') as Promise<[number | null]>;
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
