/**
 * A server-side WebSocket as a byte stream, with no closure per connection. Adapted from ws's
 * `createWebSocketStream` (lib/stream.js of ws 8, MIT licence, Copyright (c) 2011 Einar Otto
 * Stangvik, Copyright (c) 2013 Arnout Kazemier and contributors, Copyright (c) 2016 Luigi Pinca
 * and contributors): the same behaviour, but its four stream methods are methods of a class and its
 * three WebSocket listeners functions shared by every connection, instead of seven closures and
 * their context for each (idle riders are most of a broker's WebSocket memory). Only for a
 * WebSocket the server has accepted (open, binary, no object mode).
 */
import type { Socket } from 'node:net';
import { nextTick } from 'node:process';
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

const DUPLEX = Symbol('duplex');
type Linked = WebSocket & { [DUPLEX]?: WebSocketDuplex };

function onMessage(this: Linked, data: Buffer): void {
  const duplex = this[DUPLEX];
  if (duplex !== undefined && !duplex.push(data)) this.pause();
}

function onError(this: Linked, err: Error): void {
  const duplex = this[DUPLEX];
  if (duplex === undefined || duplex.destroyed) return;
  duplex.terminateOnDestroy = false;
  duplex.destroy(err);
}

function onClose(this: Linked): void {
  const duplex = this[DUPLEX];
  if (duplex === undefined || duplex.destroyed) return;
  duplex.push(null);
}

function emitClose(stream: Duplex): void {
  stream.emit('close');
}

function duplexOnEnd(this: WebSocketDuplex): void {
  if (!this.destroyed && this.writableFinished) this.destroy();
}

function duplexOnError(this: WebSocketDuplex, err: Error): void {
  this.removeListener('error', duplexOnError);
  this.destroy();
  if (this.listenerCount('error') === 0) this.emit('error', err);
}

export class WebSocketDuplex extends Duplex {
  /** False once the WebSocket itself failed: then there is nothing left to terminate. */
  terminateOnDestroy = true;

  constructor(readonly ws: WebSocket) {
    super({ autoDestroy: false, emitClose: false, objectMode: false, writableObjectMode: false });
    (ws as Linked)[DUPLEX] = this;
    ws.on('message', onMessage);
    // ws emits 'error' once, then 'close'; `on` spares the wrapper `once` makes per connection.
    ws.on('error', onError);
    ws.on('close', onClose);
    this.on('end', duplexOnEnd);
    this.on('error', duplexOnError);
  }

  /** The WebSocket's own socket (`_socket`: not in ws's typings, stable across ws 8). */
  get socket(): Socket | null {
    return (this.ws as unknown as { _socket: Socket | null })._socket;
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const ws = this.ws;
    if (ws.readyState === ws.CLOSED) {
      callback(err);
      nextTick(emitClose, this);
      return;
    }
    let called = false;
    ws.once('error', (error: Error) => {
      called = true;
      callback(error);
    });
    ws.once('close', () => {
      if (!called) callback(err);
      nextTick(emitClose, this);
    });
    if (this.terminateOnDestroy) ws.terminate();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const socket = this.socket;
    if (socket === null) return;
    if (socket.writableFinished) {
      callback();
      if (this.readableEnded) this.destroy();
    } else {
      socket.once('finish', () => callback());
      this.ws.close();
    }
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.ws.send(chunk, callback);
  }
}
