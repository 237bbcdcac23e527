import { describe, expect, it } from 'vitest';
import { Admission } from './admission';
import { BanList } from './ban-list';

const limits = {
  maxConnections: 2,
  connectRatePerS: 1000,
  connectBurst: 1000,
  maxEventLoopLagMs: 100,
  banConnects: 3,
  banWindowMs: 1000,
  banMs: 5000,
  authFailures: 2,
  authFailureWindowMs: 1000,
  authFailureBanMs: 10_000,
};
const calm = (nowMs: number) => ({ connections: 0, eventLoopLagMs: 0, nowMs });

describe('Admission before authentication', () => {
  it('refuses over the connection cap and under event-loop lag', () => {
    const a = new Admission(limits);
    expect(a.admit('10.0.0.1', { connections: 2, eventLoopLagMs: 0, nowMs: 0 })).toBe('too_many_connections');
    expect(a.admit('10.0.0.1', { connections: 0, eventLoopLagMs: 150, nowMs: 0 })).toBe('overloaded');
    expect(a.admit('10.0.0.1', calm(0))).toBeNull();
  });

  it('lets new connections in at the configured rate, so a mass reconnect is paced', () => {
    const a = new Admission({ ...limits, connectRatePerS: 10, connectBurst: 5 });
    const first = Array.from({ length: 8 }, () => a.admit('10.0.0.1', calm(0)));
    expect(first).toEqual([null, null, null, null, null, 'connect_rate', 'connect_rate', 'connect_rate']);
    expect(a.admit('10.0.0.1', calm(100))).toBeNull(); // 10/s: one more token after 100 ms
    expect(a.admit('10.0.0.1', calm(100))).toBe('connect_rate');
  });

  it('bans an address that fails authentication too often, and only that address', () => {
    const a = new Admission(limits);
    for (const t of [0, 10, 20]) a.authFailed('10.0.0.66', t);
    expect(a.admit('10.0.0.66', calm(30))).toBe('auth_failures');
    expect(a.admit('10.0.0.7', calm(30))).toBeNull();
    expect(a.admit('10.0.0.66', calm(9_000))).toBe('auth_failures');
    expect(a.admit('10.0.0.66', calm(10_100))).toBeNull();
  });
});

describe('Admission after authentication', () => {
  it('bans a client id that reconnects in a tight loop, then lets it back', () => {
    const a = new Admission(limits);
    expect([0, 10, 20].map((t) => a.reconnect('drv-loop', t))).toEqual([null, null, null]);
    expect(a.reconnect('drv-loop', 30)).toBe('reconnect_ban');
    expect(a.reconnect('drv-other', 30)).toBeNull();
    expect(a.reconnect('drv-loop', 3000)).toBe('reconnect_ban');
    expect(a.reconnect('drv-loop', 5100)).toBeNull();
  });

  it('does not count failed attempts against the client id they named', () => {
    const a = new Admission(limits);
    // What an attacker's unauthenticated CONNECTs with the driver's id add up to: nothing for the id.
    for (let t = 0; t < 100; t++) a.authFailed('10.0.0.66', t);
    expect(a.reconnect('drv-victim', 200)).toBeNull();
  });
});

describe('BanList', () => {
  it('forgets quiet keys once a window has passed', () => {
    const bans = new BanList(5, 1000, 1000);
    for (let i = 0; i < 100; i++) bans.count(`k${i}`, 0);
    expect(bans.size).toBe(100);
    bans.count('fresh', 1500);
    expect(bans.size).toBe(1);
  });
});
