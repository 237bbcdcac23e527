import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';

export const MQTT_WS_PATH = '/mqtt';

/**
 * MQTT over WebSocket on an HTTP server's upgrade, at /mqtt, with the `mqtt` subprotocol and no
 * permessage-deflate (fixes are 24 bytes; compression costs CPU and memory per connection).
 */
export function attachWebSocket(
  server: Server,
  maxPacketBytes: number,
  onStream: (stream: Duplex, remoteAddress: string) => void,
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
