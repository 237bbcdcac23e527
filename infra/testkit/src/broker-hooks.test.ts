import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useBrokerProcess, withBrokerProcess } from './broker-hooks';

/**
 * The kit's broker hooks over real broker processes: each stops what it started, the process a
 * test started again included, and whatever way the test ended.
 */
const settings = () => ({ AUTH_MODE: 'jwt', JWT_SECRET: randomBytes(32).toString('hex') });
const gone = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;
const live = async (httpUrl: string) => (await fetch(`${httpUrl}/livez`)).status;

const started: ChildProcess[] = [];

describe('useBrokerProcess', () => {
  const broker = useBrokerProcess(settings);
  let readEarly: unknown;
  try {
    readEarly = broker.mqttPort;
  } catch (err) {
    readEarly = err;
  }

  it('refuses to be read before its beforeAll has started it', () => {
    expect(readEarly).toBeInstanceOf(Error);
    expect(String(readEarly)).toMatch(/has not started: .* starts in beforeAll/);
  });

  it('starts the broker before the tests, with its addresses', async () => {
    started.push(broker.process);
    expect(broker.mqttUrl).toBe(`mqtt://127.0.0.1:${broker.mqttPort}`);
    expect(await live(broker.httpUrl)).toBe(200);
  });

  it('starts it again on the same ports once the test has stopped it, not before', { timeout: 60_000 }, async () => {
    await expect(broker.startAgain()).rejects.toThrow(/still running/);
    const ports = [broker.mqttPort, broker.httpPort];
    const first = broker.process;
    await broker.stop('SIGKILL');
    expect(gone(first)).toBe(true);
    await broker.startAgain();
    started.push(broker.process);
    expect(broker.process).not.toBe(first);
    expect([broker.mqttPort, broker.httpPort]).toEqual(ports);
    expect(await live(broker.httpUrl)).toBe(200);
  });
});

it("and stops the one running after the block's tests", () => {
  expect(started).toHaveLength(2);
  expect(started.map(gone)).toEqual([true, true]);
});

describe('withBrokerProcess', () => {
  it('stops the broker when the test body fails, and hands the failure on', { timeout: 60_000 }, async () => {
    let child: ChildProcess | undefined;
    await expect(
      withBrokerProcess(settings, async (broker) => {
        child = broker.process;
        expect(await live(broker.httpUrl)).toBe(200);
        throw new Error('the test failed');
      }),
    ).rejects.toThrow('the test failed');
    expect(child && gone(child)).toBe(true);
  });

  it('stops the process a restart started, and gives back what the body returned', { timeout: 60_000 }, async () => {
    const seen: ChildProcess[] = [];
    const port = await withBrokerProcess(settings, async (broker) => {
      seen.push(broker.process);
      await broker.stop('SIGKILL');
      await broker.startAgain();
      seen.push(broker.process);
      return broker.httpPort;
    });
    expect(port).toBeGreaterThan(0);
    expect(seen.map(gone)).toEqual([true, true]);
  });
});
