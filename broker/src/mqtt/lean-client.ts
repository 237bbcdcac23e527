/**
 * What Aedes's client keeps for every connection, trimmed to what it uses (the parser's share is in
 * parser-buffer.ts). Idle connections are most of a broker's memory, and Aedes 1.x gives each one
 * per-connection closures where a function shared by every connection does the same. Reaches into
 * the library's internals and checks them first: if they are not as expected, nothing changes and
 * the connection works as Aedes made it.
 */
import type { EventEmitter } from 'node:events';

type Listener = (...args: unknown[]) => void;

/** Node's EventEmitter keeps its listeners here: one function, or an array of them, per event. */
interface Emitter extends EventEmitter {
  _events?: Record<string | symbol, Listener | Listener[] | undefined>;
}

interface ClientInternals extends Emitter {
  conn?: Emitter;
  _parser?: Emitter;
  _eos?: () => void;
  duplicates?: object;
  subscriptions?: object;
  _inboundInflight?: unknown;
  close(): void;
}

/** Both of Aedes's streams (the connection and its parser) carry a `client` back-reference. */
interface HoldsClient {
  client?: ClientInternals;
}

function closeOwnClient(this: HoldsClient): void {
  this.client?.close();
}

function passErrorToClient(this: HoldsClient, err: unknown): void {
  this.client?.emit('error', err);
}

function noop(): void {
  // Aedes calls `_eos()` as the client closes; its listeners are already gone
}

/** The one listener of `event` with this function name, if there is exactly one. */
function onlyListener(emitter: EventEmitter, event: string, name: string): Listener | undefined {
  const found = emitter.listeners(event).filter((f) => f.name === name);
  return found.length === 1 ? (found[0] as Listener) : undefined;
}

/**
 * Puts `to` where `from` was among the listeners of `event`, in place: removing a listener deletes
 * its event's key when it was the only one, which would turn the table into a hash table (see
 * fastListenerTable). Falls back to removing and adding if the table is not as Node keeps it.
 */
function swapListener(emitter: Emitter, event: string, from: Listener, to: Listener): void {
  const events = emitter._events;
  const current = events?.[event];
  if (events !== undefined && current === from) events[event] = to;
  else if (Array.isArray(current) && current.includes(from)) current[current.indexOf(from)] = to;
  else emitter.removeListener(event, from).on(event, to);
}

/**
 * EventEmitter makes its listener table as `{ __proto__: null }`, which V8 keeps as a hash table
 * (about 180 B more than the same keys in its fast layout; Node's streams avoid it by making theirs
 * with every key in a literal). The same listeners in a prototype-less object in the fast layout.
 */
function fastListenerTable(emitter: Emitter): void {
  const events = emitter._events;
  if (events === undefined || Object.getPrototypeOf(events) !== null) return;
  const table = emptyRecord() as Record<string | symbol, Listener | Listener[] | undefined>;
  for (const key of Reflect.ownKeys(events)) table[key] = events[key];
  emitter._events = table;
}

/**
 * The set of a client's QoS 2 message ids awaiting PUBREL, made on its first id: Aedes makes one per
 * client (about 190 B), and nearly every client never sends QoS 2. Aedes uses `has`, `size`, `add`
 * and `delete`.
 */
export class SetOnFirstUse<T> {
  private set: Set<T> | null = null;

  get size(): number {
    return this.set?.size ?? 0;
  }

  has(value: T): boolean {
    return this.set?.has(value) ?? false;
  }

  add(value: T): this {
    (this.set ??= new Set()).add(value);
    return this;
  }

  delete(value: T): boolean {
    return this.set?.delete(value) ?? false;
  }

  clear(): void {
    this.set = null;
  }
}

/** A key-value object with no prototype that V8 keeps in its fast layout until it grows. */
function emptyRecord(): object {
  return Object.setPrototypeOf({}, null) as object;
}

/**
 * Called as Aedes hands over a new client, before it has read a byte. Aedes watches the connection
 * with `stream.finished` (seven closures and a context), plus three bound functions: the
 * connection's and the parser's errors, and the connection's end. Each becomes one function shared
 * by every connection, finding its client through the `client` field Aedes sets on both. What
 * closes the client is unchanged: an end or an error as before, and a 'close' (which `finished`
 * reported when the stream was destroyed before it ended). Aedes's two lookup tables, made with
 * `Object.create(null)` (a hash table of about 140 B each, even empty), become prototype-less
 * objects in V8's fast layout; Aedes only indexes, enumerates and deletes their keys. Its set of
 * QoS 2 ids awaiting PUBREL is made on first use. Listeners are swapped in place (swapListener), and
 * the 'connected' listener Aedes adds with `once` stays as a plain one; the client's and the parser's
 * listener tables, and the connection's (which `stream.finished` left with deleted keys), move to
 * V8's fast layout (fastListenerTable), and nothing deletes from them.
 * Returns whether it changed the client.
 */
export function leanClient(client: unknown): boolean {
  const c = client as ClientInternals;
  const conn = c.conn;
  const parser = c._parser;
  if (conn === undefined || parser === undefined || typeof c._eos !== 'function') return false;
  if ((conn as HoldsClient).client !== c || (parser as HoldsClient).client !== c) return false;
  const connError = onlyListener(conn, 'error', 'bound emit');
  const connEnd = onlyListener(conn, 'end', 'bound close');
  const parserError = onlyListener(parser, 'error', 'bound emit');
  if (connError === undefined || connEnd === undefined || parserError === undefined) return false;
  c._eos();
  c._eos = noop;
  swapListener(conn, 'error', connError, passErrorToClient);
  swapListener(conn, 'end', connEnd, closeOwnClient);
  conn.on('close', closeOwnClient);
  swapListener(parser, 'error', parserError, passErrorToClient);
  // Aedes hands the client its packets held behind CONNECT once, on 'connected', with `once`: a
  // wrapper per client, and a key deleted from its table when it fires. Aedes's `dequeue` does
  // nothing once they are handed over, and 'connected' comes once: it stays as a plain listener.
  const connected = c.rawListeners('connected');
  const dequeue = c.listeners('connected');
  if (connected.length === 1 && dequeue.length === 1 && dequeue[0]?.name === 'dequeue' && connected[0] !== dequeue[0])
    swapListener(c, 'connected', connected[0] as Listener, dequeue[0] as Listener);
  fastListenerTable(c);
  fastListenerTable(conn);
  fastListenerTable(parser);
  if (isEmptyTable(c.subscriptions)) c.subscriptions = emptyRecord();
  if (isEmptyTable(c.duplicates)) c.duplicates = emptyRecord();
  if (c._inboundInflight instanceof Set && c._inboundInflight.size === 0) c._inboundInflight = new SetOnFirstUse();
  return true;
}

function isEmptyTable(table: object | undefined): boolean {
  return table !== undefined && Object.getPrototypeOf(table) === null && Object.keys(table).length === 0;
}
