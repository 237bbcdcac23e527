/**
 * Stock Aedes 1.x, as its README sets it up (TCP, and WebSocket via ws), no ridetrack code: the
 * baseline bench:broker measures ridetrack against. Prints its ports as one JSON line.
 */
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';

const aedes = await Aedes.createBroker();
const tcp = createNetServer(aedes.handle);
const http = createServer();
const wss = new WebSocketServer({ server: http, path: '/mqtt', perMessageDeflate: false });
wss.on('connection', (ws) => aedes.handle(createWebSocketStream(ws)));
await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const port = (s: { address(): unknown }): number => (s.address() as { port: number }).port;
console.log(JSON.stringify({ mqttPort: port(tcp), wsPort: port(http) }));
