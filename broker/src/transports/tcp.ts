import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

export type OnSocket = (socket: Socket | TLSSocket) => void;

/** Listens for MQTT over TCP. Resolves with the server once it is bound. */
export function listenTcp(host: string, port: number, onSocket: OnSocket): Promise<Server> {
  return listen(createServer({ noDelay: true }, onSocket), host, port);
}

/** Listens for MQTT over TLS (MQTTS). */
export function listenTls(
  host: string,
  port: number,
  tls: { cert: Buffer; key: Buffer },
  onSocket: OnSocket,
): Promise<Server> {
  const server = createTlsServer({ cert: tls.cert, key: tls.key }, onSocket);
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return listen(server, host, port);
}

export function listen<S extends Server>(server: S, host: string, port: number): Promise<S> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
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
