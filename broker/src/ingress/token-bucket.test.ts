import { describe, expect, it } from 'vitest';
import { Admission } from '../admission';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('allows the burst, then the rate', () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([0, 0, 0, 0].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
    expect(bucket.take(10_000)).toBe(true);
  });
});

describe('Admission', () => {
  const limits = {
    maxConnections: 2,
    connectRatePerS: 1000,
    connectBurst: 1000,
    maxEventLoopLagMs: 100,
    banConnects: 3,
    banWindowMs: 1000,
    banMs: 5000,
  };
  const calm = (nowMs: number) => ({ connections: 0, eventLoopLagMs: 0, nowMs });

  it('refuses over the connection cap and under event-loop lag', () => {
    const a = new Admission(limits);
    expect(a.admit('x', { connections: 2, eventLoopLagMs: 0, nowMs: 0 })).toBe('too_many_connections');
    expect(a.admit('y', { connections: 0, eventLoopLagMs: 150, nowMs: 0 })).toBe('overloaded');
    expect(a.admit('z', calm(0))).toBeNull();
  });

  it('bans a client id that reconnects in a tight loop, then lets it back', () => {
    const a = new Admission(limits);
    expect([0, 10, 20].map((t) => a.admit('loop', calm(t)))).toEqual([null, null, null]);
    expect(a.admit('loop', calm(30))).toBe('reconnect_ban');
    expect(a.admit('other', calm(30))).toBeNull();
    expect(a.admit('loop', calm(3000))).toBe('reconnect_ban');
    expect(a.admit('loop', calm(5100))).toBeNull();
  });

  it('lets new connections in at the configured rate, so a mass reconnect is paced', () => {
    const a = new Admission({ ...limits, connectRatePerS: 10, connectBurst: 5 });
    const first = Array.from({ length: 8 }, (_, i) => a.admit(`c${i}`, calm(0)));
    expect(first).toEqual([null, null, null, null, null, 'connect_rate', 'connect_rate', 'connect_rate']);
    expect(a.admit('later', calm(100))).toBeNull(); // 10/s: one more token after 100 ms
    expect(a.admit('later2', calm(100))).toBe('connect_rate');
  });
});
