import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { hostileStream, splitAt, cuts, str, packet } from '../test/fuzz/packets';
import { wsFrame } from '../test/raw-websocket';

/**
 * One fuzz case: a fresh connection over TCP or WebSocket that sends a hostile byte stream, cut
 * into writes, and what became of it. The stream often starts with a CONNECT carrying a valid
 * token, so the packets behind it reach the paths after authentication.
 */
export interface FuzzCase {
  transport: 'tcp' | 'ws';
  /** The writes, in order; for WebSocket, each write is one or more frames. */
  writes: Uint8Array[];
  packets: number;
  bytes: number;
}

export type Outcome = 'closed_by_broker' | 'left_open' | 'refused_upgrade' | 'connect_failed';

/** Tokens the fuzzer may put into CONNECT: valid ones (by role) and none. */
export interface FuzzTokens {
  driver(id: string): string;
  rider: string;
}

function countPackets(stream: Uint8Array): number {
  // Counted as the generator made them: one fixed header per packet, so a cut or merged packet
  // still counts once. Approximated by walking the headers; garbage ends the walk.
  let n = 0;
  let at = 0;
  while (at < stream.length) {
    let len = 0;
    let mult = 1;
    let i = at + 1;
    for (; i < at + 5 && i < stream.length; i++) {
      const b = stream[i] ?? 0;
      len += (b & 0x7f) * mult;
      mult *= 128;
      if ((b & 0x80) === 0) break;
    }
    n++;
    at = i + 1 + len;
  }
  return n;
}

/** A CONNECT with a real token, as a driver (its own id) or a rider (`rider:{sub}:{tag}`). */
function authenticatedConnect(tokens: FuzzTokens, rng: () => number): Uint8Array {
  const asDriver = rng() < 0.7;
  const id = asDriver ? `drv-fz${Math.floor(rng() * 50)}` : `rider:fuzz-rider:${Math.floor(rng() * 1e6)}`;
  const token = asDriver ? tokens.driver(id) : tokens.rider;
  const keepalive = 30;
  return packet(0x10, [...str('MQTT'), 4, 0xc2, 0, keepalive, ...str(id), ...str('token'), ...str(token)]);
}

/** A generator of cases from a seed: the same seed, the same cases. */
export function caseGenerator(seed: number, tokens: FuzzTokens): (n: number) => FuzzCase[] {
  let round = 0;
  let state = seed >>> 0;
  const rng = (): number => {
    // xorshift32: cheap, seeded, enough to choose transports and tokens
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const streamAndCuts = fc.tuple(hostileStream, cuts);
  return (n) => {
    const samples = fc.sample(streamAndCuts, { numRuns: n, seed: seed + round++ });
    return samples.map(([generated, points]) => {
      let stream = generated;
      if (rng() < 0.5) {
        // Swap a leading CONNECT (if any) for one with a valid token.
        const first = stream[0] ?? 0;
        const rest = first >> 4 === 1 ? stream.subarray(Math.min(stream.length, connectLength(stream))) : stream;
        const connect = authenticatedConnect(tokens, rng);
        stream = new Uint8Array([...connect, ...rest]);
      }
      const transport = rng() < 0.5 ? 'tcp' : 'ws';
      const parts = splitAt(stream, points);
      const writes = transport === 'tcp' ? parts : parts.map((p) => wsWrite(p, rng));
      return { transport, writes, packets: countPackets(stream), bytes: stream.length };
    });
  };
}

function connectLength(stream: Uint8Array): number {
  let len = 0;
  let mult = 1;
  let i = 1;
  for (; i < 5 && i < stream.length; i++) {
    const b = stream[i] ?? 0;
    len += (b & 0x7f) * mult;
    mult *= 128;
    if ((b & 0x80) === 0) break;
  }
  return i + 1 + len;
}

/** One write over WebSocket: the bytes as one binary message, as fragments, or with a broken frame. */
function wsWrite(bytes: Uint8Array, rng: () => number): Uint8Array {
  const payload = Buffer.from(bytes);
  const r = rng();
  if (r < 0.8) return wsFrame(payload);
  if (r < 0.9 && payload.length > 1) {
    // Two fragments: a binary frame without FIN, then a continuation with FIN.
    const cut = 1 + Math.floor(rng() * (payload.length - 1));
    const first = Buffer.from(wsFrame(payload.subarray(0, cut)));
    first[0] = 0x02; // FIN cleared
    return Buffer.concat([first, wsFrame(payload.subarray(cut), 0x0)]);
  }
  if (r < 0.95) return wsFrame(payload, [0x1, 0x3, 0x8, 0x9, 0xa, 0xb][Math.floor(rng() * 6)] ?? 0x3);
  // Random bytes where a frame should be.
  return randomBytes(1 + Math.floor(rng() * 16));
}

/** Runs a case to its end: the broker closes it, or it is left quiet for `quietMs` and closed here. */
export async function runCase(c: FuzzCase, ports: { mqtt: number; http: number }, quietMs: number): Promise<Outcome> {
  let socket: Socket;
  try {
    socket = c.transport === 'tcp' ? await open(ports.mqtt) : await upgrade(ports.http);
  } catch (err) {
    return (err as Error).message === 'refused' ? 'refused_upgrade' : 'connect_failed';
  }
  const closed = new Promise<Outcome>((resolve) => socket.once('close', () => resolve('closed_by_broker')));
  socket.resume();
  for (const w of c.writes) {
    if (socket.destroyed) break;
    socket.write(w);
    await new Promise((r) => setImmediate(r));
  }
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve('left_open'), quietMs);
  });
  const outcome = await Promise.race([closed, quiet]);
  clearTimeout(timer);
  socket.destroy();
  return outcome;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
    s.on('error', () => undefined);
  });
}

async function upgrade(port: number): Promise<Socket> {
  const s = await open(port);
  s.write(
    `GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: mqtt\r\n\r\n`,
  );
  return new Promise((resolve, reject) => {
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      s.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve(s);
      else {
        s.destroy();
        reject(new Error('refused'));
      }
    };
    s.on('data', onData);
    s.once('close', () => reject(new Error('refused')));
  });
}
