import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { MQTT_WS_PATH, attachWebSocket } from './websocket';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('attachWebSocket', () => {
  it('lets the upgrade request go once the connection is made (its headers are not kept for its life)', async () => {
    const server = createServer();
    const requests: WeakRef<IncomingMessage>[] = [];
    server.prependListener('upgrade', (req: IncomingMessage) => requests.push(new WeakRef(req)));
    const streams: Duplex[] = [];
    attachWebSocket(
      server,
      1024,
      (stream) => streams.push(stream),
      () => undefined,
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
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
});
