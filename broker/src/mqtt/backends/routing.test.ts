import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterMatches, filterReach, filterToPattern, publishRoute } from './routes';
import { decodeRouted, encodeRouted } from './wire';

describe('routes', () => {
  it('send driver data on its driver channel and the rest on classic pub/sub', () => {
    const cases: [string, ReturnType<typeof publishRoute>][] = [
      ['d/drv-1/l', { kind: 'driver', driverId: 'drv-1' }],
      ['d/drv-1/s', { kind: 'driver', driverId: 'drv-1' }],
      ['d/drv-1/t', { kind: 'control' }],
      ['d/drv-1/l/x', { kind: 'control' }],
      ['d//l', { kind: 'control' }],
      ['d/a b/l', { kind: 'control' }],
      ['$SYS/node-a/heartbeat', { kind: 'control' }],
      ['owntracks/drv-1/phone', { kind: 'control' }],
      ['dd/x/l', { kind: 'control' }],
    ];
    for (const [topic, route] of cases) expect(publishRoute(topic), topic).toEqual(route);
  });

  it('subscribe a filter to what it may match on other nodes', () => {
    const cases: [string, ReturnType<typeof filterReach>][] = [
      ['d/drv-1/l', { driverId: 'drv-1', firehose: false, classic: false }],
      ['d/drv-1/s', { driverId: 'drv-1', firehose: false, classic: false }],
      ['d/drv-1/+', { driverId: 'drv-1', firehose: false, classic: true }],
      ['d/drv-1/#', { driverId: 'drv-1', firehose: false, classic: true }],
      ['d/drv-1/t', { driverId: null, firehose: false, classic: true }],
      ['d/+/l', { driverId: null, firehose: true, classic: false }],
      ['d/+/t', { driverId: null, firehose: false, classic: true }],
      ['d/#', { driverId: null, firehose: true, classic: true }],
      ['#', { driverId: null, firehose: true, classic: true }],
      ['+/+/l', { driverId: null, firehose: true, classic: true }],
      ['$SYS/+/new/clients', { driverId: null, firehose: false, classic: true }],
      ['d/drv-1/l/#', { driverId: 'drv-1', firehose: false, classic: true }],
    ];
    for (const [filter, reach] of cases) expect(filterReach(filter), filter).toEqual(reach);
  });

  it('match filters as MQTT does, and make Redis patterns that match at least as much', () => {
    expect(filterMatches('a/#', 'a')).toBe(true);
    expect(filterMatches('a/+', 'a')).toBe(false);
    expect(filterMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(filterToPattern('rt:mq:', '$SYS/+/heartbeat')).toEqual({ pattern: 'rt:mq:$SYS/*/heartbeat', exact: false });
    expect(filterToPattern('rt:mq:', 'a/#')).toEqual({ pattern: 'rt:mq:a*', exact: false });
    expect(filterToPattern('rt:mq:', 'a*b/+')).toEqual({ pattern: 'rt:mq:a\\*b/*', exact: false });
    expect(filterToPattern('rt:mq:', 'd/x/t')).toEqual({ pattern: 'rt:mq:d/x/t', exact: true });
  });
});

describe('routed frames', () => {
  it('read back as written', () => {
    fc.assert(
      fc.property(
        fc.record({
          brokerId: fc.string({ maxLength: 64 }),
          brokerCounter: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          clientId: fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined }),
          topic: fc.string({ minLength: 1, maxLength: 200 }),
          payload: fc.uint8Array({ maxLength: 300 }),
          qos: fc.constantFrom(0, 1, 2),
          retain: fc.boolean(),
          dup: fc.boolean(),
        }),
        (p) => {
          const back = decodeRouted(encodeRouted(p));
          expect(back).toEqual({
            cmd: 'publish',
            brokerId: p.brokerId,
            brokerCounter: p.brokerCounter,
            ...(p.clientId === undefined ? {} : { clientId: p.clientId }),
            topic: p.topic,
            payload: Buffer.from(p.payload),
            qos: p.qos,
            retain: p.retain,
            dup: p.dup,
          });
        },
      ),
    );
  });

  it('never throw on bytes that are not a frame', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void decodeRouted(Buffer.from(bytes))));
    expect(decodeRouted(Buffer.alloc(3))).toBeNull();
  });

  it('carry a fix in far fewer bytes than msgpack of the whole packet', () => {
    const frame = encodeRouted({
      brokerId: 'node-a',
      brokerCounter: 123_456,
      clientId: 'drv-00042',
      topic: 'd/drv-00042/l',
      payload: Buffer.alloc(24),
      qos: 0,
    });
    expect(frame.length).toBeLessThan(80);
  });
});
