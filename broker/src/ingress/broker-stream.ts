import { EventEmitter } from 'node:events';
import { nextTick } from 'node:process';

/** Aedes has read everything handed over: the next hand-over tells it with 'readable'. */
const NEED_READABLE = 1;
/** A 'readable' is on its way (next tick). */
const READABLE_SCHEDULED = 2;
/** The client's side ended: once Aedes has read the rest, 'end'. */
const ENDED = 4;
/** 'end' was emitted, or is on its way. */
const END_EMITTED = 8;

/**
 * The connection as Aedes sees it: the little of a Duplex stream that Aedes and mqtt-packet use,
 * on an EventEmitter. A Duplex carries two stream states, a bound write callback and buffer lists,
 * about 600 B per connection that an idle broker pays for every client (docs/decisions/0004).
 * What Aedes uses, and what this keeps of Node's semantics for it:
 * - `read()` returns everything handed over since the last read (or null), and asks for more first
 *   (`pull`), as Node's `read` calls `_read` when the buffer is below its high-water mark;
 * - 'readable' comes on the next tick after a hand-over, once per read, and once at the end; 'end'
 *   comes after the read that takes the last bytes before the end, and then the connection closes
 *   (a Duplex without half-open);
 * - `write(chunk, encoding)` with `cork()`/`uncork()` gathers what mqtt-packet writes for one packet
 *   into one Buffer; it returns true (the gate bounds what waits for a client, gate-outbound.ts),
 *   and false once destroyed, as Node's;
 * - `destroy(err)` once: 'error' (when someone listens) and 'close' on the next tick, then `closed()`;
 *   `destroyed`.
 * Aedes's `stream.finished` watch on it is replaced by a 'close' listener (mqtt/lean-client.ts).
 */
export abstract class BrokerStream extends EventEmitter {
  destroyed = false;
  /** Handed over and not yet read by Aedes. */
  private unread: Buffer | null = null;
  private flags = NEED_READABLE;
  private corks = 0;
  /** Written while corked, sent as one Buffer on the last uncork. */
  private corked: Buffer[] | null = null;

  /** Aedes reads: hand over what waits, if anything (the stream's `_read`). */
  protected abstract pull(): void;

  /** Bytes Aedes wrote to the client, whole packets or parts of them. */
  protected abstract sendOut(bytes: Buffer): void;

  /** Ends the client's side of the connection once what was written has gone. */
  protected abstract endTransport(): void;

  /** Closes the client's side of the connection now. */
  protected abstract destroyTransport(): void;

  /** After the 'close' listeners have run. */
  protected abstract closed(): void;

  /** Bytes for Aedes to read, or null for the end; false: nothing more until Aedes reads. */
  protected handOver(chunk: Uint8Array | null): boolean {
    if (this.destroyed || (this.flags & ENDED) !== 0) return false;
    if (chunk === null) {
      this.flags |= ENDED;
      this.scheduleReadable();
      return false;
    }
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.unread = this.unread === null ? bytes : Buffer.concat([this.unread, bytes]);
    if ((this.flags & NEED_READABLE) !== 0) {
      this.flags &= ~NEED_READABLE;
      this.scheduleReadable();
    }
    return false;
  }

  /** True while bytes handed over wait for Aedes to read them. */
  protected get unreadWaiting(): boolean {
    return this.unread !== null;
  }

  /** True while a write Aedes started is not yet sent on (mqtt-packet corks until the next tick). */
  protected get writing(): boolean {
    return this.corks > 0;
  }

  read(_size?: number | null): Buffer | null {
    if (this.destroyed) return null;
    this.pull();
    const out = this.unread;
    this.unread = null;
    // As Node's read: the read that empties an ended stream brings 'end' (on the next tick).
    if ((this.flags & ENDED) === 0) this.flags |= NEED_READABLE;
    else if ((this.flags & END_EMITTED) === 0) {
      this.flags |= END_EMITTED;
      nextTick(emitEnd, this);
    }
    return out;
  }

  write(chunk: Buffer | Uint8Array | string, encoding?: BufferEncoding | ((err?: Error | null) => void)): boolean {
    // As Node's: false once destroyed, so Aedes waits for a 'drain' that never comes instead of
    // going on (it would otherwise finish a CONNECT on a client it has just closed).
    if (this.destroyed) return false;
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8')
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.corks > 0) (this.corked ??= []).push(bytes);
    else this.sendOut(bytes);
    return true;
  }

  cork(): void {
    this.corks++;
  }

  uncork(): void {
    if (this.corks === 0 || --this.corks > 0) return;
    const parts = this.corked;
    this.corked = null;
    if (parts === null || this.destroyed) return;
    this.sendOut(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
  }

  end(): this {
    if (!this.destroyed) this.endTransport();
    return this;
  }

  destroy(err?: Error | null): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.unread = null;
    this.corked = null;
    this.destroyTransport();
    nextTick(emitClose, this, err ?? null);
    return this;
  }

  private scheduleReadable(): void {
    if ((this.flags & READABLE_SCHEDULED) !== 0) return;
    this.flags |= READABLE_SCHEDULED;
    nextTick(emitReadable, this);
  }

  /** @internal the next tick after destroy */
  emitClose(err: Error | null): void {
    if (err !== null && this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('close');
    this.closed();
  }

  /** @internal the next tick after a hand-over */
  emitReadable(): void {
    this.flags &= ~READABLE_SCHEDULED;
    if (!this.destroyed && (this.unread !== null || (this.flags & ENDED) !== 0)) this.emit('readable');
  }
}

function emitReadable(stream: BrokerStream): void {
  stream.emitReadable();
}

/** Aedes read the end: 'end', then the connection closes (no half-open connections). */
function emitEnd(stream: BrokerStream): void {
  if (stream.destroyed) return;
  stream.emit('end');
  stream.end();
  stream.destroy();
}

function emitClose(stream: BrokerStream, err: Error | null): void {
  stream.emitClose(err);
}
