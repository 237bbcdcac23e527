import { describe, expect, it } from 'vitest';
import { cachingVerifier, type TokenVerifier, type VerifyResult } from './tokens';

function counting(answer: (token: string | undefined) => VerifyResult) {
  const calls: (string | undefined)[] = [];
  const inner: TokenVerifier = {
    verify: (token) => {
      calls.push(token);
      return Promise.resolve(answer(token));
    },
  };
  return { inner, calls };
}

describe('cachingVerifier', () => {
  it('verifies a token once while it is valid, again once it has expired', async () => {
    let nowMs = 1_000_000;
    const { inner, calls } = counting(() => ({ ok: true, value: { role: 'operator', sub: 'ops', exp: 1_010 } }));
    const v = cachingVerifier(inner, 10, () => nowMs);
    expect((await v.verify('a')).ok).toBe(true);
    expect((await v.verify('a')).ok).toBe(true);
    expect(calls).toEqual(['a']);
    nowMs = 1_010_000; // exp reached
    await v.verify('a');
    expect(calls).toEqual(['a', 'a']);
  });

  it('never remembers a refusal, and keeps at most max tokens', async () => {
    const { inner, calls } = counting((t) =>
      t === 'bad' ? { ok: false, reason: 'bad_signature' } : { ok: true, value: { role: 'driver', sub: String(t) } },
    );
    const v = cachingVerifier(inner, 2, () => 0);
    expect(await v.verify('bad')).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await v.verify('bad')).toEqual({ ok: false, reason: 'bad_signature' });
    await v.verify('x');
    await v.verify('y');
    await v.verify('z'); // x falls out
    await v.verify('x');
    expect(calls).toEqual(['bad', 'bad', 'x', 'y', 'z', 'x']);
    expect(await v.verify(undefined)).toEqual({ ok: true, value: { role: 'driver', sub: 'undefined' } });
  });
});
