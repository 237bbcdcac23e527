import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';

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
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MQTT_WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('error', (err: Error & { code?: string }) => {
        const reason = err.code === undefined ? undefined : WS_VIOLATIONS[err.code];
        if (reason !== undefined) onViolation(reason);
      });
      onStream(byteStream(ws), req.socket.remoteAddress ?? 'unknown');
    });
  });
  return wss;
}

/**
 * The WebSocket as a byte stream. Made outside the upgrade handler, with no closure: a listener
 * made inside it would keep the upgrade request (its headers and all) alive for the connection's
 * life.
 */
function byteStream(ws: WebSocket): Duplex {
  const stream = createWebSocketStream(ws);
  stream.on('error', destroyStream);
  return stream;
}

function destroyStream(this: Duplex): void {
  this.destroy();
}
