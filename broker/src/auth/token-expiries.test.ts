import { describe, expect, it } from 'vitest';
import { TokenExpiries, type ExpiringConnection } from './token-expiries';

function conn(exp: number | undefined): ExpiringConnection & { reasons: string[] } {
  const reasons: string[] = [];
  return { ctx: { claims: exp === undefined ? {} : { exp } }, reasons, reject: (r) => reasons.push(r) };
}

describe('TokenExpiries', () => {
  it('ends each connection once its second has passed, and not before', () => {
    let nowMs = 1_000_000;
    const expiries = new TokenExpiries(() => nowMs);
    const a = conn(1_001); // 1,001,000 ms
    const b = conn(1_003);
    const never = conn(undefined);
    expiries.add(a);
    expiries.add(b);
    expiries.add(never);
    expect(expiries.size).toBe(2);
    nowMs = 1_000_999;
    expiries.sweep();
    expect(a.reasons).toEqual([]);
    nowMs = 1_001_000;
    expiries.sweep();
    expect(a.reasons).toEqual(['token_expired']);
    expect(b.reasons).toEqual([]);
    expect(expiries.size).toBe(1);
    nowMs = 1_010_000;
    expiries.sweep();
    expiries.sweep();
    expect(b.reasons).toEqual(['token_expired']); // once
    expect(never.reasons).toEqual([]);
    expect(expiries.size).toBe(0);
  });

  it('forgets a connection that closed first', () => {
    let nowMs = 0;
    const expiries = new TokenExpiries(() => nowMs);
    const a = conn(10);
    const b = conn(10);
    expiries.add(a);
    expiries.add(b);
    expiries.forget(a);
    expiries.forget(conn(99)); // never added: nothing happens
    expect(expiries.size).toBe(1);
    nowMs = 10_000;
    expiries.sweep();
    expect(a.reasons).toEqual([]);
    expect(b.reasons).toEqual(['token_expired']);
  });

  it('sweeps on its own timer while it watches a connection', async () => {
    const expiries = new TokenExpiries(() => Date.now(), 10);
    const a = conn(Math.floor(Date.now() / 1000) + 1);
    expiries.add(a);
    while (a.reasons.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(a.reasons).toEqual(['token_expired']);
    expect(expiries.size).toBe(0);
    expiries.stop();
  });
});
