import { EventEmitter } from 'node:events';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ParserSeat, SharedParser } from './shared-parser';

interface Parsed {
  client: string;
  cmd: string;
  topic?: string;
}

/** Aedes's packet listener (one function for every client), recording what it is handed. */
function enqueue(this: { client: FakeClient }, packet: { cmd: string; topic?: string | null }): void {
  const entry: Parsed = { client: this.client.id, cmd: packet.cmd };
  if (typeof packet.topic === 'string') entry.topic = packet.topic;
  this.client.seen.push(entry);
  this.client.onPacket(this.client, entry);
}

/** leanClient's error listener (one function for every client). */
function passErrorToClient(this: { client: FakeClient }, err: Error): void {
  this.client.emit('error', err);
}

/** A client as Aedes makes one, with its parser's listeners as Aedes and leanClient leave them. */
class FakeClient extends EventEmitter {
  _parser: unknown;
  readonly errors: string[] = [];
  constructor(
    readonly id: string,
    readonly seen: Parsed[],
    readonly onPacket: (client: FakeClient, packet: Parsed) => void = () => undefined,
  ) {
    super();
    const parser = mqttPacket.parser() as unknown as EventEmitter & { client: unknown; _queue: unknown[] };
    parser.client = this;
    parser._queue = [];
    parser.on('packet', enqueue);
    parser.on('error', passErrorToClient);
    this._parser = parser;
    this.on('error', (err: Error) => this.errors.push(err.message));
  }
  get seat(): ParserSeat {
    return this._parser as ParserSeat;
  }
}

const publish = (topic: string): Buffer =>
  mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
const connect = (clientId: string): Buffer =>
  mqttPacket.generate({ cmd: 'connect', clientId, protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 0 });

describe('SharedParser: one mqtt-packet parser for every connection', () => {
  it('parses each seat’s whole packets for its own client, and keeps each one’s settings', () => {
    const seen: Parsed[] = [];
    const shared = new SharedParser();
    const a = new FakeClient('a', seen);
    const b = new FakeClient('b', seen);
    expect(shared.seatClient(a)).toBe(true);
    expect(shared.seatClient(b)).toBe(true);
    expect(a.seat).toBeInstanceOf(ParserSeat);
    a.seat.parse(Buffer.concat([connect('a'), publish('t/1')]));
    b.seat.parse(connect('b'));
    a.seat.parse(publish('t/2'));
    expect(seen).toEqual([
      { client: 'a', cmd: 'connect' },
      { client: 'a', cmd: 'publish', topic: 't/1' },
      { client: 'b', cmd: 'connect' },
      { client: 'a', cmd: 'publish', topic: 't/2' },
    ]);
    expect((a.seat.settings as { clientId?: string }).clientId).toBe('a');
    expect((b.seat.settings as { clientId?: string }).clientId).toBe('b');
  });

  /** Two seats: a parses these bytes, then b parses a whole packet, which must come out clean. */
  function badBytesThenGood(bytes: Buffer): { a: FakeClient; b: FakeClient; seen: Parsed[] } {
    const seen: Parsed[] = [];
    const shared = new SharedParser();
    const a = new FakeClient('a', seen);
    const b = new FakeClient('b', seen);
    shared.seatClient(a);
    shared.seatClient(b);
    a.seat.parse(bytes);
    b.seat.parse(publish('t/2'));
    expect(seen).toEqual([{ client: 'b', cmd: 'publish', topic: 't/2' }]);
    expect(b.errors).toEqual([]);
    return { a, b, seen };
  }

  it('closes a connection whose bytes stop short of a packet, and starts the next seat clean', () => {
    const { a } = badBytesThenGood(publish('t/1').subarray(0, 5));
    expect(a.errors).toEqual(['a partial packet reached the parser']);
  });

  it('reports a malformed packet to its own client only', () => {
    // A PUBLISH with both QoS bits set.
    const { a } = badBytesThenGood(Buffer.from([0x36, 0x03, 0x00, 0x01, 0x74]));
    expect(a.errors.length).toBe(1);
  });

  it('serves another connection that parses while one is mid-parse, each in order', () => {
    const seen: Parsed[] = [];
    const shared = new SharedParser();
    const b = new FakeClient('b', seen);
    const a = new FakeClient('a', seen, (_client, packet) => {
      if (packet.topic === 't/1') b.seat.parse(Buffer.concat([publish('u/1'), publish('u/2')]));
    });
    shared.seatClient(a);
    shared.seatClient(b);
    a.seat.parse(Buffer.concat([publish('t/1'), publish('t/2')]));
    expect(seen.map((p) => `${p.client}:${p.topic ?? ''}`)).toEqual(['a:t/1', 'b:u/1', 'b:u/2', 'a:t/2']);
    b.seat.parse(publish('u/3'));
    a.seat.parse(publish('t/3'));
    expect(seen.slice(-2).map((p) => `${p.client}:${p.topic ?? ''}`)).toEqual(['b:u/3', 'a:t/3']);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('hands on nothing more for a client once Aedes has closed it, even mid-parse', () => {
    const seen: Parsed[] = [];
    const shared = new SharedParser();
    const a = new FakeClient('a', seen, (client) => client.seat.removeAllListeners('packet'));
    shared.seatClient(a);
    a.seat.parse(Buffer.concat([publish('t/1'), publish('t/2')]));
    a.seat.parse(publish('t/3'));
    expect(seen.map((p) => p.topic)).toEqual(['t/1']);
  });

  it('leaves a client whose parser is not as expected as it is', () => {
    const shared = new SharedParser();
    const c = new FakeClient('a', []);
    (c._parser as EventEmitter).removeAllListeners('error');
    expect(shared.seatClient(c)).toBe(false);
    expect(c._parser).not.toBeInstanceOf(ParserSeat);
  });
});
