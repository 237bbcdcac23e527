import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe } from './access';
import { parseClaims, type Claims } from './claims';
import { parseFilter, parseTopic } from './topics';

describe('parseClaims', () => {
  it.each([
    [
      { role: 'driver', sub: 'drv-1' },
      { role: 'driver', sub: 'drv-1' },
    ],
    [
      { role: 'operator', sub: 'ops', exp: 2e9 },
      { role: 'operator', sub: 'ops', exp: 2e9 },
    ],
    [
      { role: 'service', sub: 'indexer', iat: 5 },
      { role: 'service', sub: 'indexer' },
    ],
    [
      { role: 'rider', sub: 'r1', drivers: ['drv-1'], trip: 'T1', exp: 2e9 },
      { role: 'rider', sub: 'r1', drivers: ['drv-1'], trip: 'T1', exp: 2e9 },
    ],
  ])('accepts %j', (payload, claims) => {
    expect(parseClaims(payload)).toEqual({ ok: true, value: claims });
  });

  it.each([
    ['null', null, 'not_object'],
    ['an array', [], 'not_object'],
    ['no role', { sub: 'x' }, 'bad_role'],
    ['role admin', { role: 'admin', sub: 'x' }, 'bad_role'],
    ['no subject', { role: 'driver' }, 'bad_subject'],
    ['subject with a slash', { role: 'driver', sub: 'a/b' }, 'bad_subject'],
    ['subject with a wildcard', { role: 'driver', sub: '+' }, 'bad_subject'],
    ['expiry as text', { role: 'driver', sub: 'a', exp: 'soon' }, 'bad_expiry'],
    ['rider without drivers', { role: 'rider', sub: 'r', exp: 1 }, 'bad_drivers'],
    ['rider with empty drivers', { role: 'rider', sub: 'r', drivers: [], exp: 1 }, 'bad_drivers'],
    ['rider with a wildcard driver', { role: 'rider', sub: 'r', drivers: ['+'], exp: 1 }, 'bad_drivers'],
    ['rider without expiry', { role: 'rider', sub: 'r', drivers: ['d'] }, 'missing_expiry'],
    ['rider with a bad trip', { role: 'rider', sub: 'r', drivers: ['d'], exp: 1, trip: 7 }, 'bad_trip'],
  ])('rejects %s', (_name, payload, reason) => {
    expect(parseClaims(payload)).toEqual({ ok: false, reason });
  });
});

const driver: Claims = { role: 'driver', sub: 'd1' };
const rider: Claims = { role: 'rider', sub: 'r1', drivers: ['d1'], exp: 2e9 };
const operator: Claims = { role: 'operator', sub: 'ops' };
const service: Claims = { role: 'service', sub: 'indexer' };

const pub = (claims: Claims, topic: string): string => {
  const t = parseTopic(topic);
  if (!t.ok) throw new Error(t.reason);
  const r = canPublish(claims, t.value);
  return r.ok ? 'allow' : r.reason;
};
const sub = (claims: Claims, filter: string): string => {
  const f = parseFilter(filter);
  if (!f.ok) throw new Error(f.reason);
  const r = canSubscribe(claims, f.value);
  return r.ok ? 'allow' : r.reason;
};

describe('access matrix', () => {
  it.each([
    [driver, 'd/d1/l', 'allow'],
    [driver, 'd/d1/s', 'allow'],
    [driver, 'owntracks/d1/phone', 'allow'],
    [driver, 'd/d2/l', 'not_own_topic'],
    [driver, 'owntracks/d2/phone', 'not_own_topic'],
    [driver, 'd/d1/t', 'kind_not_allowed'],
    [rider, 'd/d1/l', 'role_cannot_publish'],
    [operator, 'd/d1/l', 'role_cannot_publish'],
    [operator, 'd/d1/t', 'role_cannot_publish'],
    [service, 'd/d1/t', 'allow'],
    [service, 'd/d1/s', 'allow'],
    [service, 'd/d1/l', 'kind_not_allowed'],
  ])('publish: %o to %s is %s', (claims, topic, answer) => {
    expect(pub(claims, topic)).toBe(answer);
  });

  it.each([
    [driver, 'd/d1/t', 'allow'],
    [driver, 'd/d1/s', 'allow'],
    [driver, 'd/d1/l', 'kind_not_allowed'],
    [driver, 'd/d2/t', 'not_own_topic'],
    [driver, 'd/+/l', 'not_own_topic'],
    [rider, 'd/d1/l', 'allow'],
    [rider, 'd/d1/s', 'allow'],
    [rider, 'd/d1/+', 'kind_not_allowed'],
    [rider, 'd/d1/#', 'kind_not_allowed'],
    [rider, 'd/d1/t', 'kind_not_allowed'],
    [rider, 'd/d2/l', 'driver_not_in_token'],
    [rider, 'd/+/l', 'fleet_wide_not_allowed'],
    [rider, 'd/#', 'fleet_wide_not_allowed'],
    [operator, 'd/+/l', 'allow'],
    [operator, 'd/#', 'allow'],
    [service, 'd/+/l', 'allow'],
  ])('subscribe: %o to %s is %s', (claims, filter, answer) => {
    expect(sub(claims, filter)).toBe(answer);
  });
});
