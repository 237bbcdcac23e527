import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';

/**
 * A WebSocket client at the byte level, for tests that need exact control of framing: several
 * WebSocket messages in one TCP write, or frames no library would send. Does the opening handshake
 * for the `mqtt` subprotocol, then writes masked binary frames as it is told.
 */
export interface RawWebSocket {
  socket: Socket;
  /** Bytes received after the handshake (WebSocket frames from the server). */
  received: Buffer[];
  /** Writes each payload as one masked binary WebSocket message, all in one TCP write. */
  sendMessages(payloads: Buffer[]): void;
}

/** One masked client-to-server frame [RFC 6455 5.2]: FIN, the opcode, and the payload. */
export function wsFrame(payload: Buffer, opcode = 0x2): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | length])
      : length < 65536
        ? Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), u64(length)]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([header, mask, masked]);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

export async function rawWebSocket(port: number, path = '/mqtt'): Promise<RawWebSocket> {
  const socket = netConnect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`,
  );
  const received: Buffer[] = [];
  let head = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!status.includes(' 101 ')) {
        reject(new Error(`upgrade refused: ${status}`));
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) received.push(rest);
      socket.on('data', (d: Buffer) => received.push(d));
      resolve();
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during the upgrade')));
  });
  return {
    socket,
    received,
    sendMessages: (payloads) => socket.write(Buffer.concat(payloads.map((p) => wsFrame(p)))),
  };
}
