import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { asRedelivery, markRedeliveries } from './redelivery';

describe('asRedelivery', () => {
  it('marks a QoS 1 or 2 PUBLISH that already had a packet identifier, on a copy', () => {
    const stored = { cmd: 'publish', topic: 't', qos: 1, messageId: 7, dup: false };
    const out = asRedelivery(stored);
    expect(out).toEqual({ ...stored, dup: true });
    expect(stored.dup).toBe(false);
    expect(
      asRedelivery<{ topic: string; qos: number; messageId: number; dup?: boolean }>({
        topic: 't',
        qos: 2,
        messageId: 9,
      }).dup,
    ).toBe(true); // cmd defaults to publish
  });

  it.each([
    ['queued while away, no identifier yet', { cmd: 'publish', qos: 1 }],
    ['an identifier of null (as a store may decode it)', { cmd: 'publish', qos: 1, messageId: null }],
    ['QoS 0 [MQTT-3.3.1-2]', { cmd: 'publish', qos: 0, messageId: 3 }],
    ['a PUBREL', { cmd: 'pubrel', qos: 1, messageId: 3 }],
    ['already marked', { cmd: 'publish', qos: 1, messageId: 3, dup: true }],
  ])('leaves alone %s', (_what, packet) => {
    expect(asRedelivery(packet)).toBe(packet);
  });
});

describe('markRedeliveries', () => {
  it("marks what the store's outgoing stream gives, and passes its errors on", async () => {
    const store = {
      outgoingStream: (client: { fail: boolean }) =>
        client.fail
          ? new Readable({
              objectMode: true,
              read() {
                this.destroy(new Error('store is down'));
              },
            })
          : Readable.from([
              { cmd: 'publish', qos: 1, messageId: 1 },
              { cmd: 'publish', qos: 1 },
            ]),
    };
    markRedeliveries(store);
    const out = await store.outgoingStream({ fail: false }).toArray();
    expect(out.map((p: { dup?: boolean }) => p.dup === true)).toEqual([true, false]);
    await expect(store.outgoingStream({ fail: true }).toArray()).rejects.toThrow('store is down');
  });
});
