import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Transport } from '../ingress/connection-context';
import { ConnectionBudget } from './connection-budget';
import { boundPort, listen, listenTcp, listenTls } from './tcp';
import { attachWebSocket, type WsViolation } from './websocket';

export interface ListenOptions {
  host: string;
  mqttPort: number;
  httpPort: number;
  tls?: { cert: Buffer; key: Buffer; mqttsPort: number; httpsPort: number } | undefined;
  /** HTTP: how long a connection may take to send a request's headers, and stay idle between requests. */
  http: { headersTimeoutMs: number; keepAliveTimeoutMs: number };
  /** Largest MQTT packet, and so the largest WebSocket message. */
  maxPacketBytes: number;
  maxConnections: number;
}

export interface ListenDeps {
  /** A new MQTT connection, over any transport. */
  accept: (stream: Duplex, transport: Transport, remoteAddress: string) => void;
  /** Every HTTP request of the HTTP and HTTPS listeners. */
  listener: RequestListener;
  /** A socket closed at accept: the budget of open sockets was spent. */
  onBudgetSpent: () => void;
  /**
   * A socket closed at accept: it was reset before it was accepted, so its source address cannot
   * be read and the per-address rules (the auth-failure ban, connect limits) could not hold for it.
   */
  onPeerGone: () => void;
  /** A WebSocket client broke the WebSocket protocol. */
  onWsViolation: (reason: WsViolation, transport: 'ws' | 'wss') => void;
}

export interface Listeners {
  ports: { mqtt: number; http: number; mqtts?: number; https?: number };
  /** Stops accepting; resolves once every listener has closed (after its connections). */
  stopAccepting: () => Promise<void>;
  /** Ends the HTTP connections still open (long polls, streams). */
  closeAllConnections: () => void;
}

/**
 * Every listener the options name: MQTT over TCP, HTTP with MQTT over WebSocket at /mqtt, and
 * with TLS files the same over TLS. One budget of open sockets covers them all.
 */
export async function listenAll(options: ListenOptions, deps: ListenDeps): Promise<Listeners> {
  const servers: Server[] = [];
  const webSockets: WebSocketServer[] = [];
  // Every socket of every listener counts from its first moment: MAX_CONNECTIONS and a little
  // room above it, so that an MQTT client over the cap still hears CONNACK 3 (admission) while a
  // flood of sockets that never speak is closed at accept.
  const budget = new ConnectionBudget(socketBudget(options.maxConnections), deps.onBudgetSpent);
  const httpOptions = {
    // A connection that never sends a whole request is closed after headersTimeoutMs (Node's
    // default, 60 s checked every 30 s, let idle sockets pile up for over a minute).
    headersTimeout: options.http.headersTimeoutMs,
    requestTimeout: Math.max(30_000, options.http.headersTimeoutMs),
    keepAliveTimeout: options.http.keepAliveTimeoutMs,
    connectionsCheckingInterval: 1000,
  };
  const onSocket = (transport: 'tcp' | 'tls') => (socket: Duplex & { remoteAddress?: string | undefined }) => {
    if (socket.destroyed) return;
    const remoteAddress = socket.remoteAddress;
    if (remoteAddress === undefined) {
      socket.destroy();
      deps.onPeerGone();
      return;
    }
    deps.accept(socket, transport, remoteAddress);
  };
  const webSocketOn = (server: HttpServer, transport: 'ws' | 'wss') =>
    attachWebSocket(
      server,
      options.maxPacketBytes,
      (stream, remoteAddress) => deps.accept(stream, transport, remoteAddress),
      (reason) => deps.onWsViolation(reason, transport),
      deps.onPeerGone,
    );
  const tcp = await listenTcp(options.host, options.mqttPort, onSocket('tcp'), budget);
  servers.push(tcp);
  const http = await listen(createHttpServer(httpOptions, deps.listener), options.host, options.httpPort, budget);
  servers.push(http);
  const httpServers: { closeAllConnections(): void }[] = [http];
  webSockets.push(webSocketOn(http, 'ws'));
  const ports: Listeners['ports'] = { mqtt: boundPort(tcp), http: boundPort(http) };
  if (options.tls) {
    const { tls } = options;
    const mqtts = await listenTls(options.host, tls.mqttsPort, tls, onSocket('tls'), budget);
    const https = await listen(
      createHttpsServer({ ...httpOptions, cert: tls.cert, key: tls.key }, deps.listener),
      options.host,
      tls.httpsPort,
      budget,
    );
    servers.push(mqtts, https);
    httpServers.push(https);
    webSockets.push(webSocketOn(https, 'wss'));
    ports.mqtts = boundPort(mqtts);
    ports.https = boundPort(https);
  }
  return {
    ports,
    stopAccepting() {
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const wss of webSockets) wss.close();
      return Promise.all(closed).then(() => undefined);
    },
    closeAllConnections() {
      for (const s of httpServers) s.closeAllConnections();
    },
  };
}

/** Open sockets allowed in all: the connection cap and 1% (at least 64) above it. */
export function socketBudget(maxConnections: number): number {
  return maxConnections + Math.max(64, Math.ceil(maxConnections / 100));
}
