import type { Server, Socket } from 'node:net';

/**
 * One budget of open sockets for every listener of the broker (MQTT over TCP and TLS, HTTP and
 * HTTPS with their WebSockets), counted from the moment a socket is accepted: a client that opens
 * connections and never speaks holds a file descriptor as surely as one that does. Over the
 * budget, a new socket is closed at once, before any work.
 */
export class ConnectionBudget {
  open = 0;
  /** One listener for every socket, not a closure each (idle connections are most of the memory). */
  private readonly release = (): void => {
    this.open--;
  };

  constructor(
    private readonly max: number,
    private readonly onRefused: () => void,
  ) {}

  /** Puts every socket the server accepts on the budget; first, before the server's own handler. */
  guard(server: Server): void {
    server.prependListener('connection', (socket: Socket) => {
      this.admit(socket);
    });
  }

  private admit(socket: Socket): void {
    if (this.open >= this.max) {
      socket.destroy();
      this.onRefused();
      return;
    }
    this.open++;
    socket.on('close', this.release); // a socket closes once; `on` spares `once`'s wrapper
  }
}
