import mqttPacket, { type Packet } from 'mqtt-packet';
import { BufferList } from 'bl';
import { describe, expect, it } from 'vitest';
import { forgetConnectPacket, leanParserBuffer } from './parser-buffer';

const packets: Packet[] = [
  {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: 'drv-1',
    keepalive: 30,
    username: 'u',
    password: Buffer.from('token'),
  },
  { cmd: 'publish', topic: 'd/drv-1/l', payload: Buffer.alloc(24, 7), qos: 1, messageId: 3, retain: false, dup: false },
  { cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'd/drv-1/t', qos: 1 }] },
  { cmd: 'pingreq' },
];
const bytes = Buffer.concat(packets.map((p) => mqttPacket.generate(p)));

/** Feeds the bytes to a parser in chunks of the given size; returns the packets it emitted. */
function parse(chunk: number, lean: boolean): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const holder = { _parser: parser };
  if (lean) {
    expect(leanParserBuffer(holder)).toBe(true);
    const list = (parser as unknown as { _list: unknown })._list;
    expect(list).toBeInstanceOf(BufferList);
    expect(list).not.toHaveProperty('pipe'); // not a stream any more
  }
  const out: Packet[] = [];
  parser.on('packet', (p: Packet) => out.push(p));
  for (let i = 0; i < bytes.length; i += chunk) parser.parse(bytes.subarray(i, i + chunk));
  return out;
}

describe('leanParserBuffer', () => {
  it('gives the parser a plain buffer list, and it parses exactly as before, whole or byte by byte', () => {
    for (const chunk of [1, 2, 7, bytes.length]) {
      const lean = parse(chunk, true);
      expect(lean).toHaveLength(packets.length);
      expect(lean).toEqual(parse(chunk, false));
    }
  });

  it('gives every parser one shared list of steps', () => {
    const a = mqttPacket.parser();
    const b = mqttPacket.parser();
    expect(leanParserBuffer({ _parser: a })).toBe(true);
    expect(leanParserBuffer({ _parser: b })).toBe(true);
    const steps = (p: unknown) => (p as { _states: string[] })._states;
    expect(steps(a)).toBe(steps(b));
    expect(Object.isFrozen(steps(a))).toBe(true);
  });

  it('leaves alone what it does not recognise, or a buffer already holding bytes', () => {
    expect(leanParserBuffer({})).toBe(false);
    expect(leanParserBuffer({ _parser: { _list: new BufferList() } })).toBe(false);
    const parser = mqttPacket.parser();
    parser.parse(bytes.subarray(0, 3)); // a partial packet now waits in its buffer
    expect(leanParserBuffer({ _parser: parser })).toBe(false);
  });
});

describe('forgetConnectPacket', () => {
  it('drops the token and the CONNECT packet the parser keeps, and the parser goes on parsing', () => {
    const parser = mqttPacket.parser(); // as Aedes makes it
    const out: Packet[] = [];
    parser.on('packet', (p: Packet) => out.push(p));
    const holder = { _parser: parser };
    const settings = (): Record<string, unknown> =>
      (parser as unknown as { settings: Record<string, unknown> }).settings;
    expect(forgetConnectPacket(holder)).toBe(false); // nothing parsed yet
    parser.parse(mqttPacket.generate(packets[0] as Packet));
    expect(settings()['password']).toEqual(Buffer.from('token'));
    const connect = out[0] as unknown as Record<string, unknown>;
    expect(forgetConnectPacket(holder)).toBe(true);
    expect(connect['password']).toBeUndefined();
    expect(settings()).toEqual({ protocolVersion: 4, bridgeMode: undefined });
    parser.parse(Buffer.concat(packets.slice(1).map((p) => mqttPacket.generate(p))));
    expect(out.map((p) => p.cmd)).toEqual(['connect', 'publish', 'subscribe', 'pingreq']);
    // Another connection of the same protocol version shares the (frozen) settings.
    const other = mqttPacket.parser();
    other.parse(mqttPacket.generate(packets[0] as Packet));
    expect(forgetConnectPacket({ _parser: other })).toBe(true);
    expect((other as unknown as { settings: unknown }).settings).toBe(settings());
    expect(Object.isFrozen(settings())).toBe(true);
    expect(out[1]).toMatchObject({ topic: 'd/drv-1/l', messageId: 3 });
    expect(forgetConnectPacket({})).toBe(false);
  });
});
