import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { MQTT_WS_PATH, attachWebSocket, rawWebSocketOf } from './websocket';
import { WebSocketDuplex } from './websocket-stream';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** An HTTP server on port 0 with attachWebSocket, the streams it hands over, and an upgrade hook. */
async function wsServer(onUpgrade?: (req: IncomingMessage) => void) {
  const server = createServer();
  if (onUpgrade !== undefined) server.prependListener('upgrade', onUpgrade);
  const streams: Duplex[] = [];
  attachWebSocket(
    server,
    1024,
    (stream) => streams.push(stream),
    () => undefined,
    () => undefined,
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, streams, port: (server.address() as AddressInfo).port };
}

describe('attachWebSocket', () => {
  it('lets the upgrade request go once the connection is made (its headers are not kept for its life)', async () => {
    const requests: WeakRef<IncomingMessage>[] = [];
    const { server, streams, port } = await wsServer((req) => requests.push(new WeakRef(req)));
    const client = new WebSocket(`ws://127.0.0.1:${port}${MQTT_WS_PATH}`, 'mqtt', {
      headers: { 'x-padding': 'x'.repeat(4000) },
    });
    await once(client, 'open');
    const arrived = once(streams[0] as Duplex, 'data');
    client.send(Buffer.from([0xc0, 0x00]));
    expect((await arrived)[0]).toEqual(Buffer.from([0xc0, 0x00])); // the connection works
    for (let i = 0; i < 10 && requests[0]?.deref() !== undefined; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    expect(requests).toHaveLength(1);
    expect(requests[0]?.deref()).toBeUndefined();
    client.close();
    server.close();
    server.closeAllConnections();
  });

  it('is a byte stream both ways, with no closure per connection, ended and closed from either side', async () => {
    const { server, streams, port } = await wsServer();
    const connect = async (): Promise<{ client: WebSocket; stream: WebSocketDuplex }> => {
      const client = new WebSocket(`ws://127.0.0.1:${port}${MQTT_WS_PATH}`, 'mqtt');
      await once(client, 'open');
      while (streams.length === 0) await new Promise((r) => setImmediate(r));
      return { client, stream: streams.shift() as WebSocketDuplex };
    };

    const a = await connect();
    expect(a.stream).toBeInstanceOf(WebSocketDuplex);
    // ws's own createWebSocketStream gives each stream four closures and the WebSocket three more.
    for (const m of ['_read', '_write', '_final', '_destroy']) expect(Object.hasOwn(a.stream, m)).toBe(false);
    expect(a.stream.ws.listeners('message').map((f) => f.name)).toEqual(['onMessage']);
    const fromClient = once(a.stream, 'data');
    a.client.send(Buffer.from([1, 2, 3]));
    expect((await fromClient)[0]).toEqual(Buffer.from([1, 2, 3]));
    const toClient = once(a.client, 'message');
    a.stream.write(Buffer.from([4, 5]));
    expect((await toClient)[0]).toEqual(Buffer.from([4, 5]));
    const toClientRaw = once(a.client, 'message');
    expect(rawWebSocketOf(a.stream)?.writeFrame(Buffer.from([0x82, 0x01, 0x09]))).toBe(true);
    expect((await toClientRaw)[0]).toEqual(Buffer.from([9]));
    // The client closes: the stream ends (its reader, the gate, then destroys it, and it closes).
    const ended = once(a.stream, 'end');
    const closed = once(a.stream, 'close');
    a.stream.resume();
    a.client.close();
    await ended;
    a.stream.destroy();
    await closed;
    expect(rawWebSocketOf(a.stream)?.writeFrame(Buffer.from([0x82, 0x01, 0x09]))).toBe(false);

    // The broker destroys the stream: the client's WebSocket closes.
    const b = await connect();
    const clientClosed = once(b.client, 'close');
    b.stream.destroy();
    await clientClosed;
    expect(b.stream.destroyed).toBe(true);
    server.close();
    server.closeAllConnections();
  });
});
