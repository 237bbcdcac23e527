import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import { Aedes, type Client } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SetOnFirstUse, leanClient } from './lean-client';

/**
 * A real Aedes broker over real TCP, each client trimmed by leanClient as the broker does it: the
 * connection closes the client in every way it did with Aedes's own listeners, and the will goes
 * out when it should.
 */
let aedes: Aedes;
let server: Server;
let port: number;
let clients: Client[];
let lean: boolean[];
let wills: string[];

beforeEach(async () => {
  aedes = new Aedes();
  await aedes.listen();
  clients = [];
  lean = [];
  wills = [];
  aedes.on('publish', (packet) => {
    if (packet.topic === 'will') wills.push(String(packet.payload));
  });
  server = createServer((socket) => {
    const client = aedes.handle(socket);
    clients.push(client);
    lean.push(leanClient(client));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  server.close();
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
});

/** A connected mqtt.js client with a will, and the broker's side of it. */
async function connected(id: string): Promise<{ peer: mqtt.MqttClient; client: Client; socket: Socket }> {
  const peer = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id,
    reconnectPeriod: 0,
    will: { topic: 'will', payload: Buffer.from(id), qos: 0, retain: false },
  });
  const client = clients.find((c) => c.id === id);
  if (client === undefined) throw new Error('no client');
  return { peer, client, socket: client.conn as Socket };
}

async function closedWithWill(client: Client, id: string): Promise<void> {
  while (!client.closed || !wills.includes(id)) await new Promise((r) => setTimeout(r, 5));
}

type Internals = Client & {
  subscriptions: object;
  duplicates: object;
  _inboundInflight: unknown;
  _events: object;
  _parser: { _events: object };
};

setFlagsFromString('--allow-natives-syntax');
/** Whether V8 keeps this object in its fast layout (not as a hash table): V8's own test helper. */
const hasFastProperties = runInThisContext('(o) => %HasFastProperties(o)') as (o: object) => boolean;

describe('leanClient', () => {
  it("replaces Aedes's per-connection closures with shared listeners", async () => {
    const { peer, socket } = await connected('c1');
    expect(lean).toEqual([true]);
    const names = (event: string) => socket.listeners(event).map((f) => f.name);
    // No `stream.finished` watcher and no bound functions are left on the connection.
    for (const event of ['error', 'end', 'close', 'finish']) {
      expect(names(event).filter((n) => /^(bound |on(finish|legacyfinish|end|close|error|request)$)/.test(n))).toEqual(
        [],
      );
    }
    expect(names('close')).toContain('closeOwnClient');
    expect(names('end')).toContain('closeOwnClient');
    expect(names('error')).toContain('passErrorToClient');
    const c = clients[0] as Internals;
    expect(Object.getPrototypeOf(c.subscriptions)).toBeNull();
    expect(Object.getPrototypeOf(c.duplicates)).toBeNull();
    // Keyed by filters from the wire: an inherited name reads back as absent, and `__proto__` is a
    // key like any other (GHSA-52qw-whmv-87c5), as with Aedes's Object.create(null).
    const table = c.subscriptions as Record<string, unknown>;
    expect(table['constructor']).toBeUndefined();
    table['__proto__'] = 1;
    expect(Object.keys(table)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(table)).toBeNull();
    delete table['__proto__'];
    expect(c._inboundInflight).toBeInstanceOf(SetOnFirstUse);
    peer.end(true);
  });

  it('keeps every listener table in the fast layout once the client is connected', async () => {
    const { peer, socket } = await connected('c7');
    const c = clients[0] as Internals;
    expect(hasFastProperties(c._events)).toBe(true);
    expect(hasFastProperties(c._parser._events)).toBe(true);
    expect(hasFastProperties((socket as unknown as Internals)._events)).toBe(true);
    // Aedes's `once('connected')` wrapper is gone; its listener stays, and does nothing again.
    expect(c.rawListeners('connected').map((f) => f.name)).toEqual(['dequeue']);
    c.emit('connected');
    await peer.publishAsync('t', 'still handled after a second connected', { qos: 1 });
    peer.end(true);
  });

  it('closes the client and sends its will when the peer goes without DISCONNECT', async () => {
    const { peer, client } = await connected('c2');
    (peer as unknown as { stream: Socket }).stream.end();
    await closedWithWill(client, 'c2');
  });

  it('closes the client and sends its will when the broker destroys the connection without an error', async () => {
    const { peer, client, socket } = await connected('c3');
    socket.destroy(); // what the gate does when it closes a connection
    await closedWithWill(client, 'c3');
    peer.end(true);
  });

  it('closes the client when the connection fails, and when its bytes cannot be parsed', async () => {
    const a = await connected('c4');
    a.socket.destroy(new Error('reset'));
    await closedWithWill(a.client, 'c4');
    const b = await connected('c5');
    (b.peer as unknown as { stream: Socket }).stream.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await closedWithWill(b.client, 'c5');
  });

  it('keeps QoS 2 publishing working with the set made on first use', async () => {
    const { peer, client } = await connected('c6');
    await peer.publishAsync('t/q2', 'x', { qos: 2 });
    expect((client as Internals)._inboundInflight).toBeInstanceOf(SetOnFirstUse);
    expect(((client as Internals)._inboundInflight as SetOnFirstUse<number>).size).toBe(0);
    peer.end(true);
  });

  it('leaves alone a client whose internals are not as expected', () => {
    expect(leanClient({})).toBe(false);
    expect(leanClient({ conn: socketLike(), _parser: socketLike(), _eos: () => undefined })).toBe(false);
  });
});

describe('SetOnFirstUse', () => {
  it('behaves as a Set for has, size, add and delete', () => {
    const set = new SetOnFirstUse<number>();
    expect(set.size).toBe(0);
    expect(set.has(1)).toBe(false);
    expect(set.delete(1)).toBe(false);
    set.add(1).add(2).add(1);
    expect(set.size).toBe(2);
    expect(set.has(2)).toBe(true);
    expect(set.delete(2)).toBe(true);
    expect(set.size).toBe(1);
    set.clear();
    expect(set.size).toBe(0);
  });
});

function socketLike() {
  return { listeners: () => [], removeListener: () => undefined, on: () => undefined };
}
