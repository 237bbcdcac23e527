import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FLEET_LOCATIONS,
  FLEET_STATUS,
  locationTopic,
  MAX_TOPIC_LENGTH,
  ownTracksTopic,
  parseFilter,
  parseTopic,
  statusTopic,
  tripTopic,
} from './topics';

describe('topic builders', () => {
  it('make short topics', () => {
    expect(locationTopic('drv-42')).toBe('d/drv-42/l');
    expect(statusTopic('drv-42')).toBe('d/drv-42/s');
    expect(tripTopic('drv-42')).toBe('d/drv-42/t');
    expect(ownTracksTopic('drv-42', 'phone')).toBe('owntracks/drv-42/phone');
    expect(FLEET_LOCATIONS).toBe('d/+/l');
    expect(FLEET_STATUS).toBe('d/+/s');
  });

  it.each(['', 'a/b', 'a+', '#', 'x'.repeat(65), 'a b', 'é'])('refuse driver id %j', (id) => {
    expect(() => locationTopic(id)).toThrow(RangeError);
  });
});

describe('parseTopic', () => {
  it.each([
    ['d/drv-42/l', { kind: 'location', driverId: 'drv-42' }],
    ['d/drv-42/s', { kind: 'status', driverId: 'drv-42' }],
    ['d/A.b_9/t', { kind: 'trip', driverId: 'A.b_9' }],
    ['owntracks/drv-42/pixel', { kind: 'owntracks', driverId: 'drv-42', device: 'pixel' }],
  ])('parses %s', (topic, value) => {
    expect(parseTopic(topic)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'empty'],
    ['d/' + 'x'.repeat(MAX_TOPIC_LENGTH) + '/l', 'too_long'],
    ['d/drv\u0000/l', 'null_char'],
    ['d/+/l', 'wildcard'],
    ['d/drv/#', 'wildcard'],
    ['d//l', 'empty_level'],
    ['/d/drv/l', 'empty_level'],
    ['d/drv/l/', 'empty_level'],
    ['x/drv/l', 'unknown_prefix'],
    ['$SYS/broker/uptime', 'unknown_prefix'],
    ['D/drv/l', 'unknown_prefix'],
    ['d/drv', 'wrong_depth'],
    ['d/drv/l/extra', 'wrong_depth'],
    ['owntracks/drv/phone/event', 'wrong_depth'],
    ['d/dr v/l', 'bad_driver_id'],
    ['owntracks/drv/ph one', 'bad_driver_id'],
    ['d/drv/x', 'unknown_kind'],
  ])('rejects %j as %s', (topic, reason) => {
    expect(parseTopic(topic)).toEqual({ ok: false, reason });
  });

  it('never throws on random strings, and round-trips what it accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (topic) => {
        const result = parseTopic(topic);
        if (result.ok && result.value.kind === 'location') expect(locationTopic(result.value.driverId)).toBe(topic);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('parseFilter', () => {
  it.each([
    ['d/drv-1/l', { driverId: 'drv-1', kind: 'location' }],
    ['d/drv-1/s', { driverId: 'drv-1', kind: 'status' }],
    ['d/drv-1/+', { driverId: 'drv-1', kind: '*' }],
    ['d/drv-1/#', { driverId: 'drv-1', kind: '*' }],
    ['d/+/l', { driverId: '*', kind: 'location' }],
    ['d/+/+', { driverId: '*', kind: '*' }],
    ['d/#', { driverId: '*', kind: '*' }],
    ['d', { driverId: '*', kind: '*' }],
    ['owntracks/+/+', { driverId: '*', kind: 'owntracks' }],
    ['owntracks/drv-1/#', { driverId: 'drv-1', kind: 'owntracks' }],
  ])('parses %s', (filter, value) => {
    expect(parseFilter(filter)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'empty'],
    ['d/a\u0000/l', 'null_char'],
    ['d/dr+/l', 'bad_wildcard'],
    ['d/#/l', 'bad_wildcard'],
    ['d/drv#', 'bad_wildcard'],
    ['d//l', 'empty_level'],
    ['#', 'unknown_prefix'],
    ['+/drv/l', 'unknown_prefix'],
    ['$SYS/#', 'unknown_prefix'],
    ['d/drv/l/x', 'wrong_depth'],
    ['d/d r/l', 'bad_driver_id'],
    ['d/drv/q', 'unknown_kind'],
  ])('rejects %j as %s', (filter, reason) => {
    expect(parseFilter(filter)).toEqual({ ok: false, reason });
  });

  it('never throws on random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (filter) => {
        expect(typeof parseFilter(filter).ok).toBe('boolean');
      }),
      { numRuns: 20_000 },
    );
  });
});
