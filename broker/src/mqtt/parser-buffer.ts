/**
 * What Aedes's parser (mqtt-packet) keeps for every connection, trimmed to what it uses. Both
 * functions reach into the library's internals and check them first: if they are not as expected,
 * nothing changes.
 */
import BufferListStream, { BufferList } from 'bl';

interface ConnectSettings {
  protocolVersion?: number;
  bridgeMode?: boolean | undefined;
  password?: unknown;
}

interface ParserHolder {
  _parser?: { _list?: unknown; settings?: ConnectSettings; _states?: unknown };
}

/** The parser's steps, in order: every parser is given its own copy of this list, and only reads it. */
const PARSER_STATES: readonly string[] = Object.freeze(['_parseHeader', '_parseLength', '_parsePayload', '_newPacket']);

/**
 * Aedes's client parses with mqtt-packet, whose parser keeps its unparsed bytes in a `bl`
 * BufferListStream: a whole duplex stream (about 1 KB of heap) per connection, only ever used as a
 * list of buffers. A plain BufferList from the same package has every method the parser calls, at
 * about 90 bytes. Swapped in as Aedes hands over a new client, before it has parsed a byte; the
 * parser makes a stream again only after an error, which closes the connection anyway.
 * Returns whether it swapped (false if the library's internals are not as expected: then nothing
 * changes and the connection works as before).
 */
export function leanParserBuffer(client: unknown): boolean {
  const parser = (client as ParserHolder)._parser;
  const list = parser?._list;
  if (parser === undefined || !(list instanceof BufferListStream) || list.length !== 0) return false;
  parser._list = new BufferList();
  if (sameStates(parser._states)) parser._states = PARSER_STATES;
  return true;
}

/**
 * After CONNECT, the parser keeps the whole CONNECT packet as its settings for the connection's
 * life, though it reads only the protocol version (and a bridge flag) from it. Called once
 * authentication has the password: drops the password from the packet (it is the client's bearer
 * token, a few hundred bytes, which a long-lived connection should not hold in memory or show in a
 * heap dump), and leaves the parser only what it reads, in an object shared by every connection of
 * the same protocol version. Returns whether there was a packet.
 */
export function forgetConnectPacket(client: unknown): boolean {
  const parser = (client as ParserHolder)._parser;
  const packet = parser?.settings;
  if (parser === undefined || packet?.protocolVersion === undefined) return false;
  packet.password = undefined;
  parser.settings = sharedSettings(packet.protocolVersion, packet.bridgeMode);
  return true;
}

/** The parser only reads its settings (and replaces them on a CONNECT): one frozen object per kind. */
const settingsByKind = new Map<string, Readonly<ConnectSettings>>();
function sharedSettings(protocolVersion: number, bridgeMode: boolean | undefined): Readonly<ConnectSettings> {
  const key = `${protocolVersion}:${String(bridgeMode)}`;
  let settings = settingsByKind.get(key);
  if (settings === undefined) settingsByKind.set(key, (settings = Object.freeze({ protocolVersion, bridgeMode })));
  return settings;
}

function sameStates(states: unknown): boolean {
  return (
    Array.isArray(states) &&
    states.length === PARSER_STATES.length &&
    states.every((step, i) => step === PARSER_STATES[i])
  );
}
