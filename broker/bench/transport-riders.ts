import { once } from 'node:events';
import { Agent, request, type AgentOptions, type IncomingMessage } from 'node:http';
import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { createParser } from 'eventsource-parser';
import type WebSocket from 'ws';
import { decodeLocation, fixFromJson, locationTopic, type LocationFix } from '@ridetrack/shared';
import { getJson } from '../test/live-client';
import { rawWsRider } from './load';

/**
 * The bench's riders, one implementation per transport, each following one driver and calling
 * `onFix` with what arrived. Every socket they open is counted, so bytes on the wire (headers and
 * framing included) are measured where they pass, not estimated.
 */
export type TransportName = 'websocket' | 'sse' | 'long-poll' | 'short-poll';

export interface Wire {
  /** Every socket opened so far; bytesRead/bytesWritten stay readable after they close. */
  sockets: Socket[];
  requests: number;
  /** Requests that failed (connection errors, bad answers), by message. */
  errors: Map<string, number>;
}

export type OnFix = (fix: LocationFix) => void;

export interface RiderTarget {
  host: string;
  httpPort: number;
  driverId: string;
  token: string;
}

export interface Rider {
  close(): void;
}

function track(wire: Wire, socket: Socket): Socket {
  wire.sockets.push(socket);
  return socket;
}

/** An HTTP agent whose sockets are counted; keep-alive, as browsers do. */
export function countingAgent(wire: Wire, options: AgentOptions = {}): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, ...options });
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (opts: NetConnectOpts) => track(wire, create(opts) as Socket);
  return agent;
}

/** MQTT over WebSocket, raw frames (what mqtt.js in a browser puts on the wire, without its CPU). */
export async function wsRider(t: RiderTarget, wire: Wire, onFix: OnFix): Promise<Rider> {
  const ws = await rawWsRider(
    `ws://${t.host}:${t.httpPort}/mqtt`,
    '', // the broker assigns a client id (clean session)
    t.token,
    locationTopic(t.driverId),
    {
      keepaliveS: 60,
      ws: { createConnection: (opts: NetConnectOpts) => track(wire, netConnect(opts)) } as WebSocket.ClientOptions,
      onPayload: (frame, at) => {
        const fix = decodeLocation(frame.subarray(at));
        if (fix.ok) onFix(fix.value);
      },
    },
  );
  return { close: () => ws.terminate() };
}

const liveUrl = (t: RiderTarget, path: string) => `http://${t.host}:${t.httpPort}/api/live/${t.driverId}${path}`;

/** Server-Sent Events, one long response per rider. */
export async function sseRider(t: RiderTarget, wire: Wire, agent: Agent, onFix: OnFix): Promise<Rider> {
  const req = request(liveUrl(t, '/events'), {
    agent,
    headers: { accept: 'text/event-stream', authorization: `Bearer ${t.token}` },
  });
  req.on('error', () => undefined);
  req.end();
  wire.requests++;
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  if (res.statusCode !== 200) throw new Error(`SSE refused: ${res.statusCode}`);
  const parser = createParser({
    onEvent: (e) => {
      if (e.event !== 'location') return;
      const fix = fixFromJson(JSON.parse(e.data));
      if (fix.ok) onFix(fix.value);
    },
  });
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => parser.feed(chunk));
  return { close: () => req.destroy() };
}

/** One request of a polling rider, counted on the wire. */
function poll(url: string, agent: Agent, headers: Record<string, string>, wire: Wire) {
  wire.requests++;
  return getJson<Record<string, unknown> | null>(url, headers, 'GET', agent);
}

function loop(wire: Wire, step: () => Promise<void>): Rider {
  const state = { stopped: false };
  void (async () => {
    while (!state.stopped) {
      try {
        await step();
      } catch (err) {
        const key = err instanceof Error ? err.message : String(err);
        wire.errors.set(key, (wire.errors.get(key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  return {
    close: () => {
      state.stopped = true;
    },
  };
}

/** Long polling: ask with the cursor, get the next fixes (held until there is one), ask again. */
export function longPollRider(t: RiderTarget, wire: Wire, agent: Agent, onFix: OnFix): Rider {
  let cursor: string | null = null;
  const auth = { authorization: `Bearer ${t.token}` };
  return loop(wire, async () => {
    const query = cursor === null ? '' : `?after=${cursor}`;
    const { body } = await poll(liveUrl(t, `/poll${query}`), agent, auth, wire);
    if (body === null) return;
    if (cursor !== null)
      for (const v of body['fixes'] as unknown[]) {
        const fix = fixFromJson(v);
        if (fix.ok) onFix(fix.value);
      }
    if (typeof body['cursor'] === 'string') cursor = body['cursor'];
  });
}

/** Short polling every `intervalMs` with If-None-Match: an unchanged fix is a 304 without a body. */
export function shortPollRider(t: RiderTarget, wire: Wire, agent: Agent, intervalMs: number, onFix: OnFix): Rider {
  let etag: string | undefined;
  let seen: string | null = null;
  let first = true;
  const auth = { authorization: `Bearer ${t.token}` };
  // Riders start spread over one interval, as real pages would be.
  let wait = Math.random() * intervalMs;
  return loop(wire, async () => {
    await new Promise((r) => setTimeout(r, wait));
    wait = intervalMs;
    const { status, headers, body } = await poll(
      liveUrl(t, ''),
      agent,
      etag === undefined ? auth : { ...auth, 'if-none-match': etag },
      wire,
    );
    if (status !== 200 || body === null) return;
    etag = headers.etag;
    const fix = fixFromJson(body['fix']);
    if (!fix.ok || body['cursor'] === seen) return;
    seen = body['cursor'] as string;
    if (!first) onFix(fix.value);
    first = false;
  });
}
