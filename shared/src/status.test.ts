import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStatus, encodeStatus } from './status';

describe('driver status', () => {
  it('round-trips', () => {
    const s = { online: true, ts: 1_764_288_000_000 };
    expect(encodeStatus(s)).toBe('{"online":true,"ts":1764288000000}');
    expect(decodeStatus(encodeStatus(s))).toEqual({ ok: true, value: s });
    expect(decodeStatus(new TextEncoder().encode('{"online":false,"ts":5}'))).toEqual({
      ok: true,
      value: { online: false, ts: 5 },
    });
  });

  it.each([
    ['not JSON', 'online', 'not_json'],
    ['not UTF-8', Uint8Array.from([0xff]), 'not_utf8'],
    ['null', 'null', 'bad_online'],
    ['online as text', '{"online":"yes","ts":1}', 'bad_online'],
    ['no ts', '{"online":true}', 'bad_ts'],
    ['fractional ts', '{"online":true,"ts":1.5}', 'bad_ts'],
    ['oversized', `{"online":true,"ts":1,"x":"${'x'.repeat(300)}"}`, 'too_large'],
  ])('rejects %s', (_name, payload, reason) => {
    expect(decodeStatus(payload)).toEqual({ ok: false, reason });
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => typeof decodeStatus(JSON.stringify(v)).ok === 'boolean'),
      { numRuns: 5000 },
    );
  });
});
