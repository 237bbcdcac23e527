import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DriverLink } from '../src/driver-link';
import { seededRng } from '@ridetrack/shared';

describe('--source-ips', () => {
  it('opens a driver connection from the given local address', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const accepted = once(server, 'connection');
    const link = new DriverLink(
      {
        brokers: [`mqtt://127.0.0.1:${port}`],
        clientId: 'src-1',
        token: undefined,
        backoffBaseMs: 1000,
        backoffCapMs: 1000,
        insecureTls: false,
        localAddress: '127.0.0.3',
      },
      {
        onTrip: () => undefined,
        onConnected: () => undefined,
        onDisconnected: () => undefined,
        onError: () => undefined,
        onRefused: () => undefined,
      },
      seededRng(1),
      Date.now,
    );
    link.start();
    const [socket] = (await accepted) as [Socket];
    expect(socket.remoteAddress).toBe('127.0.0.3');
    socket.destroy();
    await link.close();
    server.close();
  });
});
