/**
 * What Aedes's parser (mqtt-packet) keeps for every connection, trimmed to what it uses. Both
 * functions reach into the library's internals and check them first: if they are not as expected,
 * nothing changes.
 */
import BufferListStream, { BufferList } from 'bl';

interface ParserHolder {
  _parser?: { _list?: unknown; settings?: { password?: unknown } };
}

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
  return true;
}

/**
 * After CONNECT, the parser keeps the whole CONNECT packet as its settings for the connection's
 * life, though it reads only the protocol version from it. Its password is the client's bearer
 * token (a few hundred bytes): dropped once authentication has it, so a long-lived connection
 * does not hold its token in memory (or in a heap dump). Returns whether there was one to drop.
 */
export function forgetConnectPassword(client: unknown): boolean {
  const settings = (client as ParserHolder)._parser?.settings;
  if (settings?.password === undefined) return false;
  settings.password = undefined;
  return true;
}
