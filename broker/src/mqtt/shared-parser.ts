/**
 * One mqtt-packet parser for every connection of a broker, in place of Aedes's parser per client
 * (a parser, its packet, buffer list and listener table: about 400 B of an idle connection's heap).
 * It can be shared because the gate hands Aedes whole packets only (ingress/gate.ts): a parse
 * leaves nothing behind for the next connection. Each client keeps a seat (ParserSeat) with what
 * is its own: its client, the packets Aedes holds until CONNACK (`_queue`) and its protocol
 * settings. Checked before use; if Aedes's parser is not as expected, nothing changes.
 */
import type { EventEmitter } from 'node:events';
import { BufferList } from 'bl';
import mqttPacket from 'mqtt-packet';

type Listener = (this: unknown, ...args: unknown[]) => void;

/** The mqtt-packet Parser fields a seat lends and takes back. */
interface MqttParser extends EventEmitter {
  client: unknown;
  _queue: unknown[] | null;
  settings: object;
  error: Error | null;
  packet: object;
  _list: { length: number };
  _stateCounter: number;
  parse(buf: Buffer): number;
}

interface ClientInternals extends EventEmitter {
  _parser?: unknown;
}

/** A parser that has parsed nothing yet, with its listeners as Aedes and leanClient left them. */
function freshParser(parser: unknown, client: unknown): parser is MqttParser {
  const p = parser as Partial<MqttParser> | undefined;
  return (
    p !== undefined &&
    typeof p.parse === 'function' &&
    typeof p.listeners === 'function' &&
    p.client === client &&
    Array.isArray(p._queue) &&
    p._queue.length === 0 &&
    p._list?.length === 0 &&
    p._stateCounter === 0 &&
    p.error === null
  );
}

/** Aedes's packet and error listeners, shared by every client (leanClient made the error one shared). */
function listenersOf(parser: MqttParser): { packet: Listener; error: Listener } | undefined {
  const packet = parser.listeners('packet');
  const error = parser.listeners('error');
  if (packet.length !== 1 || error.length !== 1) return undefined;
  if (packet[0]?.name !== 'enqueue' || error[0]?.name !== 'passErrorToClient') return undefined;
  return { packet: packet[0] as Listener, error: error[0] as Listener };
}

const NO_SETTINGS: object = Object.freeze({});

/** A parser with its list of bytes kept as a plain BufferList (parser-buffer.ts) and these listeners. */
function newParser(packet: Listener, error: Listener): MqttParser {
  const parser = mqttPacket.parser() as unknown as MqttParser;
  parser._list = new BufferList();
  parser.on('packet', packet);
  parser.on('error', error);
  return parser;
}

export class SharedParser {
  /** The seat parsing now, if any. */
  private seat: ParserSeat | null = null;
  private parser: MqttParser | null = null;
  private listeners: { packet: Listener; error: Listener } | null = null;

  /**
   * Gives the client a seat at this parser in place of its own. Called as Aedes hands over a new
   * client, after leanClient, before it has parsed a byte. Returns whether it did.
   */
  seatClient(client: unknown): boolean {
    const c = client as ClientInternals;
    const own = c._parser;
    if (!freshParser(own, c)) return false;
    const found = listenersOf(own);
    if (found === undefined) return false;
    if (this.listeners === null) this.listeners = found;
    else if (this.listeners.packet !== found.packet || this.listeners.error !== found.error) return false;
    c._parser = new ParserSeat(this, c, own._queue, own.settings);
    return true;
  }

  /**
   * A parser for one seat's parse, with its client, held packets and settings: the shared one,
   * or, should a seat parse while another is mid-parse (Aedes reads a connection on its own tick,
   * so this is not expected), one of its own for this parse.
   */
  take(seat: ParserSeat): MqttParser {
    const listeners = this.listeners as { packet: Listener; error: Listener };
    let parser: MqttParser;
    if (this.seat === null) {
      parser = this.parser ??= newParser(this.onPacket(listeners.packet), listeners.error);
      this.seat = seat;
    } else {
      parser = newParser(function onPacket(this: unknown, packet: unknown): void {
        if (!seat.closed) listeners.packet.call(this, packet);
      }, listeners.error);
    }
    parser.client = seat.client;
    parser._queue = seat._queue;
    parser.settings = seat.settings;
    return parser;
  }

  /**
   * The parse is over: the parser forgets the seat. After an error, or bytes short of a packet
   * (which the gate never hands over), the next seat gets a clean parser and this one's connection
   * closes. Returns the seat's settings (a CONNECT replaces them).
   */
  give(seat: ParserSeat, parser: MqttParser): object {
    const settings = parser.settings;
    const partial = parser._list.length > 0 || parser._stateCounter !== 0;
    if (parser === this.parser) {
      this.seat = null;
      parser.client = null;
      parser._queue = null;
      parser.settings = NO_SETTINGS;
      if (partial || parser.error !== null) this.parser = null;
    }
    if (partial && parser.error === null) seat.fail(new Error('a partial packet reached the parser'));
    return settings;
  }

  /** Aedes's packet listener, for the seat parsing now and only while its client is open. */
  private onPacket(enqueue: Listener): Listener {
    const parsing = (): ParserSeat | null => this.seat;
    return function onPacket(this: unknown, packet: unknown): void {
      if (parsing()?.closed === false) enqueue.call(this, packet);
    };
  }
}

/**
 * What a client keeps of its parser: what Aedes reads and writes on `client._parser` (`parse`,
 * `_queue`, `removeAllListeners('packet')` as it closes) and what forgetConnectPacket reads
 * (`settings`: the parser's while this seat parses, as a CONNECT replaces them).
 */
export class ParserSeat {
  /** Aedes removed its packet listener: the client is closed, nothing more is parsed for it. */
  closed = false;
  /** The parser lent to this seat while it parses. */
  private parsing: MqttParser | null = null;

  constructor(
    private readonly shared: SharedParser,
    readonly client: ClientInternals,
    public _queue: unknown[] | null,
    private ownSettings: object,
  ) {}

  get settings(): object {
    return this.parsing?.settings ?? this.ownSettings;
  }

  set settings(settings: object) {
    if (this.parsing !== null) this.parsing.settings = settings;
    else this.ownSettings = settings;
  }

  parse(buf: Buffer): number {
    if (this.closed) return 0;
    if (this.parsing !== null) {
      // Aedes read again while handling a packet of this parse. It does not: the gate hands over
      // bytes on I/O only, so such a read finds none. Were it to, the bytes go to the same parser,
      // as with a parser of its own (which mqtt-packet does not support either).
      this.parsing.parse(buf);
      return 0;
    }
    const parser = this.shared.take(this);
    this.parsing = parser;
    try {
      parser.parse(buf);
    } finally {
      this.parsing = null;
      this.ownSettings = this.shared.give(this, parser);
    }
    return 0;
  }

  removeAllListeners(event?: string): this {
    if (event === undefined || event === 'packet') this.closed = true;
    return this;
  }

  /** The client's bytes did not parse whole: its connection is closed, as on a parse error. */
  fail(err: Error): void {
    if (!this.closed) this.client.emit('error', err);
  }
}
