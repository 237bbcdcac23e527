import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { ConnectionBudget } from './connection-budget';

export type OnSocket = (socket: Socket | TLSSocket) => void;

/** Listens for MQTT over TCP. Resolves with the server once it is bound. */
export function listenTcp(host: string, port: number, onSocket: OnSocket, budget?: ConnectionBudget): Promise<Server> {
  return listen(createServer({ noDelay: true }, onSocket), host, port, budget);
}

/** Listens for MQTT over TLS (MQTTS). */
export function listenTls(
  host: string,
  port: number,
  tls: { cert: Buffer; key: Buffer },
  onSocket: OnSocket,
  budget?: ConnectionBudget,
): Promise<Server> {
  const server = createTlsServer({ cert: tls.cert, key: tls.key }, onSocket);
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return listen(server, host, port, budget);
}

/**
 * Pending connections the kernel may queue for accept (capped by net.core.somaxconn). Node's 511
 * overflows when thousands of clients reconnect at once (a restarted node, a wave of long polls):
 * the kernel then drops their SYNs and they retry only after 1, 3, 7 s.
 */
const ACCEPT_BACKLOG = 4096;

/** Binds a server; with a budget, every socket it accepts is counted on it first. */
export function listen<S extends Server>(server: S, host: string, port: number, budget?: ConnectionBudget): Promise<S> {
  budget?.guard(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: ACCEPT_BACKLOG }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The port a server is bound to. */
export function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not bound to a TCP port');
  return address.port;
}
