import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WebSocketDuplex } from './websocket-stream';

export const MQTT_WS_PATH = '/mqtt';

export type WsViolation = 'packet_too_large' | 'ws_protocol_error';

/**
 * ws's error codes (its WS_ERR_*) for a client that broke the WebSocket protocol: ws refuses these
 * before the gate sees a byte (a message over the size limit is refused from its header, unread).
 */
const WS_VIOLATIONS: Readonly<Record<string, WsViolation>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'packet_too_large',
  WS_ERR_INVALID_OPCODE: 'ws_protocol_error',
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 'ws_protocol_error',
  WS_ERR_EXPECTED_FIN: 'ws_protocol_error',
  WS_ERR_EXPECTED_MASK: 'ws_protocol_error',
  WS_ERR_UNEXPECTED_MASK: 'ws_protocol_error',
  WS_ERR_UNEXPECTED_RSV_1: 'ws_protocol_error',
  WS_ERR_UNEXPECTED_RSV_2_3: 'ws_protocol_error',
  WS_ERR_INVALID_CLOSE_CODE: 'ws_protocol_error',
  WS_ERR_INVALID_UTF8: 'ws_protocol_error',
};

/**
 * MQTT over WebSocket on an HTTP server's upgrade, at /mqtt, with the `mqtt` subprotocol and no
 * permessage-deflate (fixes are 24 bytes; compression costs CPU and memory per connection).
 */
export function attachWebSocket(
  server: Server,
  maxPacketBytes: number,
  onStream: (stream: Duplex, remoteAddress: string) => void,
  /** The client broke the WebSocket protocol (its connection is closed): counted by reason. */
  onViolation: (reason: WsViolation) => void,
  /** The socket was reset before its upgrade: no source address, so it is closed unheard. */
  onPeerGone: () => void,
): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: maxPacketBytes,
    handleProtocols: (protocols) => {
      for (const p of ['mqtt', 'mqttv3.1']) if (protocols.has(p)) return p;
      return false;
    },
  });
  // Shared by every connection: a listener made per connection inside the upgrade handler would
  // keep the handler's context, and the upgrade request in it (headers and all), for the
  // connection's life.
  const onWsError = (err: Error & { code?: string }): void => {
    const reason = err.code === undefined ? undefined : WS_VIOLATIONS[err.code];
    if (reason !== undefined) onViolation(reason);
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MQTT_WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    // The callback holds the address only, not the request.
    const remoteAddress = req.socket.remoteAddress;
    if (remoteAddress === undefined) {
      socket.destroy();
      onPeerGone();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('error', onWsError);
      onStream(byteStream(ws), remoteAddress);
    });
  });
  return wss;
}

/**
 * Direct access to a WebSocket's socket, for messages already framed as one unmasked binary
 * WebSocket frame (delivery.ts encodes each QoS 0 message once for all its subscribers): one
 * socket write, without ws's per-message framing. Safe beside ws's own writes because ws sends
 * each frame whole within one turn (no compression is negotiated here) and so does this.
 */
export interface RawWebSocket {
  /** Writes one whole frame; false when the WebSocket is not open (closing, closed). */
  writeFrame(frame: Buffer): boolean;
  /** Bytes queued in the socket. */
  readonly writableLength: number;
}

/** The direct writer of a stream made by attachWebSocket; undefined for any other stream. */
export function rawWebSocketOf(stream: Duplex): RawWebSocket | undefined {
  return stream instanceof WebSocketDuplex ? new RawWriter(stream) : undefined;
}

class RawWriter implements RawWebSocket {
  constructor(private readonly stream: WebSocketDuplex) {}

  writeFrame(frame: Buffer): boolean {
    const { ws, socket } = this.stream;
    if (ws.readyState !== ws.OPEN || socket === null) return false;
    socket.write(frame);
    return true;
  }

  get writableLength(): number {
    return this.stream.socket?.writableLength ?? 0;
  }
}

/** The WebSocket as a byte stream (websocket-stream.ts: no closure per connection). */
function byteStream(ws: WebSocket): Duplex {
  const stream = new WebSocketDuplex(ws);
  stream.on('error', destroyStream);
  return stream;
}

function destroyStream(this: Duplex): void {
  this.destroy();
}
