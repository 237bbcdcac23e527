import { describe, expect, it } from 'vitest';
import { encodeLocation, encodeStatus, type Claims, type LocationFix } from '@ridetrack/shared';
import type { LastFix } from './fix-judge';
import { decidePublish } from './publish-policy';

const fix = (over: Partial<LocationFix> = {}): LocationFix => ({
  seq: 5,
  timestampMs: 1_764_288_000_000,
  lat: 39.29,
  lng: -76.61,
  headingDeg: 90,
  speedMps: 10,
  accuracyM: 5,
  tripState: 'available',
  simulated: false,
  ...over,
});
const driver: Claims = { role: 'driver', sub: 'drv-1' };
const rider: Claims = { role: 'rider', sub: 'r-1', drivers: ['drv-1'], exp: 1 };
const service: Claims = { role: 'service', sub: 'svc-1' };
const judge = { maxSpeedMps: 83, noiseM: 50, reanchorAfter: 3 };
const none = { get: () => undefined };
const lastAt = (f: LocationFix, sessionId = 1): { get: () => LastFix } => ({
  get: () => ({ fix: f, sessionId, jumpsRefused: 0 }),
});
const ownTracks = (o: Record<string, unknown>) =>
  new TextEncoder().encode(JSON.stringify({ _type: 'location', lat: 39.29, lon: -76.61, tst: 1_764_288_000, ...o }));

/** Known answers: what the gate does with one PUBLISH, from topic, payload, sender and last fix. */
describe('decidePublish', () => {
  it.each<[string, string, Uint8Array, Claims | null, { get(id: string): LastFix | undefined }, string, string?]>([
    ['a driver fix on its own topic', 'd/drv-1/l', encodeLocation(fix()), driver, none, 'forward-retained'],
    ['an open-mode fix (no claims)', 'd/x/l', encodeLocation(fix()), null, none, 'forward-retained'],
    ['a fix on another driver topic', 'd/drv-2/l', encodeLocation(fix()), driver, none, 'deny', 'not_own_topic'],
    ['a rider publishing a fix', 'd/drv-1/l', encodeLocation(fix()), rider, none, 'deny', 'role_cannot_publish'],
    ['a topic outside the tree', 'a/b', new Uint8Array([1]), driver, none, 'deny'],
    [
      'a driver assigning itself a trip',
      'd/drv-1/t',
      new TextEncoder().encode('{}'),
      driver,
      none,
      'deny',
      'kind_not_allowed',
    ],
    ['a trip message from a service', 'd/drv-1/t', new TextEncoder().encode('{}'), service, none, 'pass'],
    ['any topic in open mode', 'a/b', new Uint8Array([1]), null, none, 'pass'],
    ['a $ topic in open mode', '$SYS/x', new Uint8Array([1]), null, none, 'deny', 'reserved_topic'],
    [
      'a location that does not decode',
      'd/drv-1/l',
      new Uint8Array([9, 9]),
      driver,
      none,
      'drop',
      'location_unknown_version',
    ],
    ['an empty location', 'd/drv-1/l', new Uint8Array(0), driver, none, 'drop', 'location_empty'],
    [
      'a presence status',
      'd/drv-1/s',
      new TextEncoder().encode(encodeStatus({ online: true, ts: 1 })),
      driver,
      none,
      'forward-retained',
    ],
    [
      'a presence that does not decode',
      'd/drv-1/s',
      new TextEncoder().encode('{"online":"yes"}'),
      driver,
      none,
      'drop',
      'status_bad_online',
    ],
    ['an OwnTracks fix', 'owntracks/drv-1/phone', ownTracks({}), driver, none, 'rewrite'],
    [
      'an OwnTracks waypoint (not a location)',
      'owntracks/drv-1/phone',
      ownTracks({ _type: 'waypoint' }),
      driver,
      none,
      'drop',
      'owntracks_not_location',
    ],
    [
      'the same seq again (same session)',
      'd/drv-1/l',
      encodeLocation(fix()),
      driver,
      lastAt(fix()),
      'drop',
      'duplicate',
    ],
    [
      'an older seq (same session)',
      'd/drv-1/l',
      encodeLocation(fix({ seq: 4 })),
      driver,
      lastAt(fix()),
      'drop',
      'out_of_order',
    ],
    [
      '600 km in a second',
      'd/drv-1/l',
      encodeLocation(fix({ seq: 6, lat: 45, timestampMs: 1_764_288_001_000 })),
      driver,
      lastAt(fix()),
      'drop',
      'impossible_jump',
    ],
    [
      'a newer seq nearby',
      'd/drv-1/l',
      encodeLocation(fix({ seq: 6, timestampMs: 1_764_288_001_000 })),
      driver,
      lastAt(fix()),
      'forward-retained',
    ],
  ])('%s: %s', (_name, topic, payload, claims, fixes, action, reason) => {
    const decision = decidePublish({ topic, payload, claims, sessionId: 1, fixes, judge });
    expect(decision.action).toBe(action);
    if (reason !== undefined) expect(decision).toMatchObject({ reason });
  });

  it('rewrites an OwnTracks fix as a v1 packet on the driver location topic, and says which fix was accepted', () => {
    const decision = decidePublish({
      topic: 'owntracks/drv-1/phone',
      payload: ownTracks({ vel: 36, cog: 90, acc: 5 }),
      claims: driver,
      sessionId: 7,
      fixes: none,
      judge,
    });
    expect(decision).toMatchObject({ action: 'rewrite', topic: 'd/drv-1/l', accepted: { driverId: 'drv-1' } });
    if (decision.action === 'rewrite') expect(decision.payload).toHaveLength(24);
  });

  it('names the driver whose jump was refused, for the re-anchoring count', () => {
    const decision = decidePublish({
      topic: 'd/drv-1/l',
      payload: encodeLocation(fix({ seq: 6, lat: 45 })),
      claims: driver,
      sessionId: 1,
      fixes: lastAt(fix()),
      judge,
    });
    expect(decision).toEqual({ action: 'drop', reason: 'impossible_jump', jumpRefused: 'drv-1' });
  });
});
