/**
 * One load-generator process of `npm run bench:connections` (started by it, over IPC): opens its
 * share of the drivers and riders as raw MQTT 3.1.1 connections over TCP, each from one of the
 * given loopback source addresses (past 28,000 connections from one address to one port the
 * ephemeral ports run out), then publishes each driver's fix once every `periodMs`, and counts
 * what its riders receive and how late (from the fix's own timestamp: the processes share a clock).
 * A process holds at most what its open-file limit allows, hence several.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { decodeLocation, encodeLocation, locationTopic } from '@ridetrack/shared';
import { createMinter } from '../src/index';
import { FrameSplitter } from '../src/ingress/frame-splitter';
import { publishFrame } from '../src/ingress/frames';
import { connectPacket } from './load';

interface Job {
  secret: string;
  port: number;
  /** Drivers [from, to) of this process. */
  drivers: [number, number];
  /** Riders of this process: rider r follows driver r * followEvery. */
  riders: [number, number];
  followEvery: number;
  /** Riders in all (so a driver knows whether some rider follows it). */
  totalRiders: number;
  sourceAddresses: string[];
  periodMs: number;
  connectPerS: number;
  /** Past this time (ms since the epoch) no new connection is started: the run goes on with what it has. */
  connectDeadlineMs: number;
  lat0: number;
  lng0: number;
}

const send = (m: unknown): void => void process.send?.(m);
/** The keep-alive asked for in CONNECT; a client silent for 1.5 times it is dropped by the broker. */
const KEEPALIVE_S = 120;
const PINGREQ = Buffer.from([0xc0, 0x00]);
const OPEN_TIMEOUT_MS = 30_000;
const driverId = (i: number): string => `bd${i}`;

/** A connection, with its CONNACK awaited; `onPublish` gets every PUBLISH payload afterwards. */
async function open(
  port: number,
  localAddress: string,
  clientId: string,
  token: string,
  onPublish?: (payload: Uint8Array) => void,
): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
  socket.on('error', () => undefined);
  let acked: (outcome: string) => void = () => undefined;
  const connack = new Promise<string>((resolve) => (acked = resolve));
  // A connection the broker does not answer is given up, not awaited for ever (it held back its
  // whole batch of 2,000 once, on an overloaded machine).
  const timeout = setTimeout(() => {
    acked(`no connack within ${OPEN_TIMEOUT_MS / 1000} s`);
    socket.destroy(Object.assign(new Error('open timed out'), { code: 'TIMEOUT' }));
  }, OPEN_TIMEOUT_MS);
  connack.finally(() => clearTimeout(timeout)).catch(() => undefined);
  await once(socket, 'connect');
  const splitter = new FrameSplitter(1 << 16);
  socket.on('data', (data: Buffer) => {
    const frames = splitter.push(data);
    if (!frames.ok) return;
    for (const { bytes, headerLength } of frames.value) {
      const type = (bytes[0] ?? 0) >> 4;
      if (type === 2) acked(bytes[headerLength + 1] === 0 ? 'ok' : `connack ${bytes[headerLength + 1]}`);
      else if (type === 3 && onPublish !== undefined) {
        const topicLength = ((bytes[headerLength] ?? 0) << 8) | (bytes[headerLength + 1] ?? 0);
        onPublish(bytes.subarray(headerLength + 2 + topicLength));
      }
    }
  });
  socket.once('close', () => acked('closed before connack'));
  socket.write(connectPacket(clientId, token, KEEPALIVE_S));
  const outcome = await connack;
  if (outcome !== 'ok') throw new Error(outcome);
  return socket;
}

async function run(job: Job): Promise<void> {
  const minter = createMinter(job.secret);
  const exp = Math.floor(Date.now() / 1000) + 3 * 3600;
  const drivers = new Map<number, Socket>();
  const riders: Socket[] = [];
  const latencies: number[] = [];
  let received = 0;
  let refused = 0;
  /** Refusals by what happened (a socket error's code, a CONNACK's return code, a close). */
  const refusedBy: Record<string, number> = {};
  const refuse = (err: unknown): void => {
    refused++;
    const why = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
    refusedBy[why] = (refusedBy[why] ?? 0) + 1;
  };
  let closed = 0;
  /** Connections closed before the window (the connect phase and the settling). */
  let closedBefore = 0;
  /** The window, by the fixes' own timestamps: what was sent in it is what is owed to the riders. */
  let windowStartMs = Number.POSITIVE_INFINITY;
  let windowEndMs = Number.POSITIVE_INFINITY;
  // Every connection pings within its keep-alive, as a real client does, from the start: riders only
  // listen, and drivers publish only once every process is connected, which at 100,000 takes longer
  // than the 180 s after which the broker drops a silent client (it dropped 30,000 in one run).
  const pings = setInterval(
    () => {
      for (const s of riders) s.write(PINGREQ);
      for (const s of drivers.values()) s.write(PINGREQ);
    },
    (KEEPALIVE_S * 1000) / 2,
  );
  // Connect, paced: riders first (they subscribe), then drivers.
  const gapMs = 1000 / job.connectPerS;
  let k = 0;
  const started = performance.now();
  const pace = async (): Promise<void> => {
    const due = started + k++ * gapMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  };
  const pending: Promise<void>[] = [];
  let pastDeadline = false;
  for (let r = job.riders[0]; r < job.riders[1]; r++) {
    await pace();
    if ((pastDeadline ||= Date.now() > job.connectDeadlineMs)) break;
    const address = job.sourceAddresses[r % job.sourceAddresses.length] ?? '127.0.0.1';
    const target = driverId(r * job.followEvery);
    pending.push(
      (async () => {
        const token = await minter.mint({ role: 'rider', sub: `br${r}`, drivers: [target], exp }, 3 * 3600);
        try {
          const socket = await open(job.port, address, `rider:br${r}`, token, (payload) => {
            const fix = decodeLocation(payload);
            // A fix sent in the window counts, however late it comes before the report (the drain).
            if (!fix.ok || fix.value.timestampMs < windowStartMs || fix.value.timestampMs > windowEndMs) return;
            received++;
            latencies.push(Date.now() - fix.value.timestampMs);
          });
          socket.write(
            mqttPacket.generate({
              cmd: 'subscribe',
              messageId: 1,
              subscriptions: [{ topic: locationTopic(target), qos: 0 }],
            }),
          );
          socket.once('close', () => closed++);
          riders.push(socket);
        } catch (err) {
          refuse(err);
        }
      })(),
    );
  }
  for (let i = job.drivers[0]; i < job.drivers[1]; i++) {
    await pace();
    if ((pastDeadline ||= Date.now() > job.connectDeadlineMs)) break;
    const address = job.sourceAddresses[i % job.sourceAddresses.length] ?? '127.0.0.1';
    pending.push(
      (async () => {
        const token = await minter.mint({ role: 'driver', sub: driverId(i) }, 3 * 3600);
        try {
          const socket = await open(job.port, address, driverId(i), token);
          socket.once('close', () => closed++);
          drivers.set(i, socket);
        } catch (err) {
          refuse(err);
        }
      })(),
    );
    if (pending.length >= 2000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  send({ kind: 'connected', drivers: drivers.size, riders: riders.length, refused, refusedBy, pastDeadline });

  // Fixes: each driver once every periodMs, spread evenly over the period.
  const seqs = new Map<number, number>();
  const ids = [...drivers.keys()];
  let sent = 0;
  let sentFollowed = 0;
  const tickMs = 20;
  let owed = 0;
  let next = 0;
  // What is owed follows the clock, not the count of ticks: on a busy machine a 20 ms timer fires
  // late, and counting ticks offered less than the rate asked (1,189 of 1,250 fixes/s once).
  let lastTickMs = performance.now();
  const timer = setInterval(() => {
    const nowMs = performance.now();
    owed += (ids.length * (nowMs - lastTickMs)) / job.periodMs;
    lastTickMs = nowMs;
    for (; owed >= 1; owed--) {
      const i = ids[next] as number;
      next = (next + 1) % ids.length;
      const seq = ((seqs.get(i) ?? 0) + 1) >>> 0;
      const stampMs = Date.now();
      seqs.set(i, seq);
      const fix = encodeLocation({
        seq,
        timestampMs: stampMs,
        lat: job.lat0 + (i % 500) * 2e-4 + (seq % 50) * 1e-5,
        lng: job.lng0 + Math.floor(i / 500) * 2e-4,
        headingDeg: 0,
        speedMps: 5,
        accuracyM: 5,
        tripState: 'available',
        simulated: true,
      });
      drivers
        .get(i)
        ?.write(publishFrame({ topic: locationTopic(driverId(i)), payload: fix, qos: 0, retain: false, packetId: 0 }));
      // In the window by the same rule the riders count by (the fix's timestamp), so that a burst
      // stamped in the millisecond a window opens or closes is counted on both sides or neither
      // (counted by a flag, it once made delivered 100.09%).
      if (stampMs >= windowStartMs && stampMs <= windowEndMs) {
        sent++;
        if (i % job.followEvery === 0 && i / job.followEvery < job.totalRiders) sentFollowed++;
      }
    }
  }, tickMs);

  process.on('message', (m: { kind: string; drainMs?: number }) => {
    if (m.kind === 'measure') {
      sent = 0;
      sentFollowed = 0;
      received = 0;
      latencies.length = 0;
      closedBefore = closed;
      closed = 0;
      windowStartMs = Date.now();
      windowEndMs = Number.POSITIVE_INFINITY;
    } else if (m.kind === 'report') {
      // The window ends now; fixes still on their way are given drainMs to arrive.
      windowEndMs = Date.now();
      setTimeout(
        () => send({ kind: 'report', sent, sentFollowed, received, latencies, closed, closedBefore }),
        m.drainMs ?? 0,
      );
    } else if (m.kind === 'stop') {
      clearInterval(timer);
      clearInterval(pings);
      for (const s of drivers.values()) s.destroy();
      for (const s of riders) s.destroy();
      process.exit(0);
    }
  });
}

process.once('message', (job: Job) => {
  run(job).catch((err: unknown) => {
    send({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
});
