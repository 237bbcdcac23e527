import { describe, expect, it } from 'vitest';
import type { Claims } from './claims';
import { clientIdAllowed, clientIdFor, MAX_CLIENT_ID_LENGTH } from './client-ids';

const driver: Claims = { role: 'driver', sub: 'drv-7' };
const rider: Claims = { role: 'rider', sub: 'r-1', drivers: ['drv-7'], exp: 1 };
const operator: Claims = { role: 'operator', sub: 'ops-1' };
const service: Claims = { role: 'service', sub: 'svc-1' };

describe('client ids by role', () => {
  it.each<[string, Claims, string, boolean]>([
    ['a driver, its own id', driver, 'drv-7', true],
    ['a driver, another driver id', driver, 'drv-8', false],
    ['a driver, empty', driver, '', false],
    ['a driver, role form', driver, 'driver:drv-7', false],
    ['a rider, a driver id', rider, 'drv-7', false],
    ['a rider, its own', rider, 'rider:r-1', true],
    ['a rider, its own with a tag', rider, 'rider:r-1:tab-2', true],
    ['a rider, empty (assigned)', rider, '', true],
    ['a rider, another rider', rider, 'rider:r-2', false],
    ['a rider, a prefix of another sub', rider, 'rider:r-10', false],
    ['a rider, an empty tag', rider, 'rider:r-1:', false],
    ['a rider, a tag with a colon', rider, 'rider:r-1:a:b', false],
    ['a rider, a tag of 33', rider, `rider:r-1:${'a'.repeat(33)}`, false],
    ['a rider, the operator form', rider, 'operator:r-1', false],
    ['an operator, a driver id', operator, 'drv-7', false],
    ['an operator, its own', operator, 'operator:ops-1', true],
    ['a service, its own with a tag', service, 'service:svc-1:dispatcher', true],
    ['a service, a default library id', service, 'mqttjs_1a2b3c', false],
  ])('%s', (_name, claims, id, allowed) => {
    expect(clientIdAllowed(claims, id).ok).toBe(allowed);
  });

  it('makes ids the rules allow, within the longest', () => {
    for (const claims of [driver, rider, operator, service]) {
      expect(clientIdAllowed(claims, clientIdFor(claims)).ok).toBe(true);
      expect(clientIdAllowed(claims, clientIdFor(claims, 'x')).ok).toBe(true);
    }
    const longest = clientIdFor({ role: 'operator', sub: 's'.repeat(64) }, 't'.repeat(32));
    expect(longest).toHaveLength(MAX_CLIENT_ID_LENGTH);
    expect(() => clientIdFor(rider, 'a:b')).toThrow(RangeError);
  });
});
