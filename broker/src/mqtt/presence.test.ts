import { Aedes, type Client } from 'aedes';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeStatus } from '@ridetrack/shared';
import { Presence } from './presence';

/**
 * Presence over a real Aedes broker in this process: what it publishes is what any subscriber of
 * `d/{id}/s` gets, retained.
 */
let aedes: Aedes;
let statuses: { topic: string; online: boolean; retain: boolean }[];
beforeEach(async () => {
  aedes = new Aedes();
  await aedes.listen();
  statuses = [];
  await new Promise<void>((resolve) =>
    aedes.subscribe(
      'd/+/s',
      (packet, done) => {
        const s = decodeStatus(packet.payload);
        if (s.ok) statuses.push({ topic: packet.topic, online: s.value.online, retain: packet.retain });
        done();
      },
      resolve,
    ),
  );
});
afterEach(async () => {
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
});

/** Aedes's publish runs a turn later: wait for `n` statuses. */
async function seen(n: number): Promise<void> {
  while (statuses.length < n) await new Promise((r) => setImmediate(r));
}

const client = (id: string) => ({ id }) as unknown as Client;

describe('Presence', () => {
  it('says a driver is online at its session start and offline when it ends, retained', async () => {
    const p = new Presence(aedes, () => 1000, pino({ level: 'silent' }));
    const c = client('drv-1');
    p.online('drv-1', c);
    expect(p.isCurrent('drv-1', c)).toBe(true);
    expect(p.onlineCount).toBe(1);
    p.ended('drv-1', c);
    await seen(2);
    expect(statuses).toEqual([
      { topic: 'd/drv-1/s', online: true, retain: true },
      { topic: 'd/drv-1/s', online: false, retain: true },
    ]);
    expect(p.onlineCount).toBe(0);
  });

  it('takes a reconnect over: the old session ending says nothing, and it is no longer current', async () => {
    const p = new Presence(aedes, () => 1000, pino({ level: 'silent' }));
    const old = client('drv-1');
    const reconnected = client('drv-1');
    p.online('drv-1', old);
    p.online('drv-1', reconnected);
    p.ended('drv-1', old);
    await seen(2);
    expect(p.isCurrent('drv-1', old)).toBe(false);
    expect(p.isCurrent('drv-1', reconnected)).toBe(true);
    expect(statuses.map((s) => s.online)).toEqual([true, true]);
    expect([...p.drivers()]).toEqual(['drv-1']);
  });

  it('says nothing when the node shuts down: its drivers move, they do not go offline', async () => {
    const p = new Presence(aedes, () => 1000, pino({ level: 'silent' }));
    const c = client('drv-2');
    p.online('drv-2', c);
    await seen(1);
    p.close();
    p.ended('drv-2', c);
    // A marker published after it: statuses arrive in order, so nothing for drv-2 comes later.
    aedes.publish(
      {
        cmd: 'publish',
        topic: 'd/marker/s',
        payload: Buffer.from('{"online":true,"ts":1}'),
        qos: 0,
        retain: false,
        dup: false,
      },
      () => undefined,
    );
    await seen(2);
    expect(statuses.map((s) => `${s.topic} ${s.online}`)).toEqual(['d/drv-2/s true', 'd/marker/s true']);
  });
});
