import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  canSubscribe,
  cursorOf,
  fixesAfter,
  isDriverId,
  parseCursor,
  type Claims,
  type Cursor,
  type LiveEndReason,
  type LivePoll,
  type LiveSnapshot,
  type LocationFix,
} from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';
import type { LiveHub, LiveView } from '../live/hub';
import type { LiveCounters } from '../metrics';
import { integerParam } from './params';
import { requestToken, sendJson } from './raw';

export interface LiveOptions {
  /** How long a long poll is held when nothing newer arrives (the client may ask for less). */
  longPollTimeoutMs: number;
  /** Interval of SSE heartbeat comments, so proxies keep idle streams open. */
  heartbeatMs: number;
  /** Bytes an SSE reader may leave unread before fixes for it are coalesced to the newest. */
  maxBufferedBytes: number;
  /** Bytes an operator's fleet stream may leave unread before it is sent the whole fleet instead. */
  fleetMaxBufferedBytes: number;
  /** Regions one operator's fleet stream may show (FLEET_MAX_REGIONS). */
  fleetMaxRegions: number;
  /** The reconnection delay SSE clients are told (`retry:`). */
  retryMs: number;
}

export interface LiveDeps {
  hub: LiveHub;
  /** null in open mode: no token is asked for. */
  verifier: TokenVerifier | null;
  tripEnded: (tripId: string) => Promise<boolean>;
  counters: LiveCounters;
  now: () => number;
  options: LiveOptions;
}

type HeldTransport = 'long-poll' | 'sse';

/** A held request: a long poll waiting for a fix, or an open event stream. */
interface Held {
  transport: HeldTransport;
  claims: Claims | null;
  /** Ends it: for good with a reason (the token no longer works), or without one (shutdown). */
  end(reason?: LiveEndReason): void;
}

/** `/api/live/{driverId}`, `/poll`, `/events`. */
const ROUTE = /^\/api\/live\/([^/]*)(?:\/(poll|events))?\/?$/;

/** Refusals are answered with a reason and counted. */
interface Refusal {
  status: number;
  body: { error: string; reason?: string; parameter?: string; message: string };
}

const refusal = (status: number, error: string, reason: string, message: string): Refusal => ({
  status,
  body: { error, reason, message },
});
const badParameter = (parameter: string, message: string): Refusal => ({
  status: 400,
  body: { error: 'bad_parameter', reason: 'bad_parameter', parameter, message: `${parameter} ${message}` },
});

/**
 * Following a driver over plain HTTP, for networks where WebSocket does not get through: short
 * polling (with an ETag), long polling and Server-Sent Events, with the rider's token and the same
 * access rules as MQTT (docs/transports.md). Written on node:http rather than the app's router
 * because held requests need exact control of the socket: a stream that stops reading is coalesced
 * to the newest fix, a client that goes away is forgotten at once, and one timer beats for every
 * stream.
 */
export class LiveHttp {
  private readonly held = new Set<Held>();
  private readonly streams = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: LiveDeps) {
    this.heartbeat = setInterval(() => {
      for (const res of this.streams) res.write(': hb\n\n');
    }, deps.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Answers the request when it is for a live route and returns true; false leaves it to the app. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    // Every HTTP request passes here first: other routes cost one prefix check, not a URL parse.
    if (req.url?.startsWith('/api/live/') !== true) return false;
    const url = new URL(req.url, 'http://localhost');
    const route = ROUTE.exec(url.pathname);
    if (route === null) return false;
    const kind = route[2] === 'poll' ? 'long-poll' : route[2] === 'events' ? 'sse' : 'short-poll';
    this.serve(req, res, url, route[1] ?? '', kind).then(
      (refused) => {
        if (refused === null) return;
        this.deps.counters.refused(refused.body.reason ?? refused.body.error);
        sendJson(res, refused.status, refused.body, refused.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      },
      () => {
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, { error: 'internal', message: 'internal error' });
      },
    );
    return true;
  }

  /** A trip ended: its riders' held requests end now, as their MQTT connections do. */
  endTrip(tripId: string): void {
    for (const h of this.held) if (h.claims?.role === 'rider' && h.claims.trip === tripId) h.end('trip_ended');
  }

  /** Held requests open now, by transport (0 once every client has gone). */
  get open(): Record<HeldTransport, number> {
    const open = { 'long-poll': 0, sse: 0 };
    for (const h of this.held) open[h.transport]++;
    return open;
  }

  /** Shutting down: held requests end (clients reconnect elsewhere); no new ones are held. */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const h of this.held) h.end();
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    rawId: string,
    kind: 'short-poll' | HeldTransport,
  ): Promise<Refusal | null> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return refusal(405, 'method_not_allowed', 'method_not_allowed', `${req.method ?? ''} is not allowed; use GET`);
    }
    let driverId = '';
    try {
      driverId = decodeURIComponent(rawId);
    } catch {
      // not percent-encoded properly: refused below as not a driver id
    }
    if (!isDriverId(driverId)) return badParameter('driverId', 'must be 1-64 of A-Z a-z 0-9 _ . -');
    const authorized = await this.authorize(req, url, driverId);
    if (!authorized.ok) return authorized.refusal;
    const claims = authorized.claims;
    if (this.closed) return refusal(503, 'unavailable', 'shutting_down', 'the server is shutting down');

    this.deps.counters.request(kind);
    if (kind === 'short-poll') {
      this.snapshot(req, res, driverId, await this.deps.hub.open(driverId));
      return null;
    }
    if (kind === 'long-poll') {
      const after = url.searchParams.get('after');
      const cursor = after === null ? null : parseCursor(after);
      if (cursor !== null && !cursor.ok) return badParameter('after', 'must be a cursor <timestampMs>.<seq>');
      const timeout = integerParam(
        'timeout_s',
        url.searchParams.get('timeout_s') ?? undefined,
        1,
        120,
        this.deps.options.longPollTimeoutMs / 1000,
      );
      if (!timeout.ok) return badParameter(timeout.error.parameter, timeout.error.message);
      const view = await this.deps.hub.open(driverId);
      this.longPoll(res, driverId, claims, view, cursor?.value ?? null, cursor !== null, timeout.value * 1000);
      return null;
    }
    const lastEventId = req.headers['last-event-id'];
    const resumeFrom =
      typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : url.searchParams.get('after');
    const cursor = resumeFrom === null ? null : parseCursor(resumeFrom);
    if (cursor !== null && !cursor.ok)
      return badParameter(typeof lastEventId === 'string' ? 'Last-Event-ID' : 'after', 'must be <timestampMs>.<seq>');
    const view = await this.deps.hub.open(driverId);
    this.stream(res, driverId, claims, view, cursor?.value ?? null);
    return null;
  }

  private async authorize(
    req: IncomingMessage,
    url: URL,
    driverId: string,
  ): Promise<{ ok: true; claims: Claims | null } | { ok: false; refusal: Refusal }> {
    if (this.deps.verifier === null) return { ok: true, claims: null };
    const verified = await this.deps.verifier.verify(requestToken(req, url));
    if (!verified.ok)
      return { ok: false, refusal: refusal(401, 'unauthorized', verified.reason, `token refused: ${verified.reason}`) };
    const claims = verified.value;
    if (claims.role === 'driver')
      return { ok: false, refusal: refusal(403, 'forbidden', 'role_cannot_follow', 'a driver token follows no one') };
    const allowed = canSubscribe(claims, { driverId, kind: 'location' });
    if (!allowed.ok)
      return { ok: false, refusal: refusal(403, 'forbidden', allowed.reason, `may not follow ${driverId}`) };
    if (claims.role === 'rider' && claims.trip !== undefined && (await this.deps.tripEnded(claims.trip)))
      return { ok: false, refusal: refusal(403, 'forbidden', 'trip_ended', 'the trip of this token has ended') };
    return { ok: true, claims };
  }

  private snapshot(req: IncomingMessage, res: ServerResponse, driverId: string, view: LiveView): void {
    const fix = view.history.at(-1) ?? null;
    const cursor = fix === null ? null : cursorOf(fix);
    const status = view.status;
    const etag = `"${cursor ?? '-'}:${status === null ? '-' : `${status.online ? 1 : 0}.${status.ts}`}"`;
    const headers = { etag, 'cache-control': 'private, no-cache' };
    const inm = req.headers['if-none-match'];
    if (inm !== undefined && inm.split(',').some((t) => t.trim() === etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body: LiveSnapshot = { driverId, fix, status, cursor };
    sendJson(res, 200, body, headers);
  }

  private longPoll(
    res: ServerResponse,
    driverId: string,
    claims: Claims | null,
    view: LiveView,
    cursor: Cursor | null,
    hasCursor: boolean,
    timeoutMs: number,
  ): void {
    const answer = (fixes: LocationFix[]): void => {
      const last = fixes.at(-1);
      const body: LivePoll = {
        driverId,
        fixes,
        status: view.status,
        cursor: last !== undefined ? cursorOf(last) : cursor === null ? null : `${cursor.timestampMs}.${cursor.seq}`,
      };
      sendJson(res, 200, body);
    };
    const ready = fixesAfter(view.history, cursor);
    // The first poll (no cursor) and a client that is behind are answered at once.
    if (!hasCursor || ready.length > 0) {
      answer(ready);
      return;
    }
    let done = false;
    const settle = (): boolean => {
      if (done) return false;
      done = true;
      unlisten();
      clearTimeout(timer);
      return true;
    };
    const release = this.hold(res, 'long-poll', claims, (reason) => {
      if (!settle()) return;
      if (reason === undefined)
        sendJson(res, 503, { error: 'unavailable', message: 'shutting down' }, { 'retry-after': '1' });
      else if (reason === 'token_expired')
        sendJson(res, 401, { error: 'unauthorized', reason: 'expired', message: 'token expired' });
      else sendJson(res, 403, { error: 'forbidden', reason, message: 'the trip of this token has ended' });
    });
    const finish = (fixes: LocationFix[]): void => {
      if (!settle()) return;
      release();
      answer(fixes);
    };
    const unlisten = this.deps.hub.listen(driverId, (event) => {
      finish(event.kind === 'fix' ? fixesAfter(view.history, cursor) : []);
    });
    const timer = setTimeout(() => finish([]), timeoutMs);
    res.once('close', () => settle());
  }

  private stream(
    res: ServerResponse,
    driverId: string,
    claims: Claims | null,
    view: LiveView,
    cursor: Cursor | null,
  ): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    const fixEvent = (fix: LocationFix) => `id: ${cursorOf(fix)}\nevent: location\ndata: ${JSON.stringify(fix)}\n\n`;
    let head = `retry: ${this.deps.options.retryMs}\n\n`;
    if (view.status !== null) head += `event: status\ndata: ${JSON.stringify(view.status)}\n\n`;
    for (const fix of fixesAfter(view.history, cursor)) head += fixEvent(fix);
    res.write(head);
    this.streams.add(res);

    // A reader that does not keep up gets the newest fix once it drains, not a growing backlog.
    let pending: LocationFix | null = null;
    const onDrain = (): void => {
      if (pending === null) return;
      const fix = pending;
      pending = null;
      res.write(fixEvent(fix));
    };
    res.on('drain', onDrain);
    const release = this.hold(res, 'sse', claims, (reason) => {
      res.end(reason === undefined ? undefined : `event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    });
    const unlisten = this.deps.hub.listen(driverId, (event) => {
      if (event.kind === 'status') {
        res.write(`event: status\ndata: ${JSON.stringify(event.status)}\n\n`);
      } else if (res.writableLength > this.deps.options.maxBufferedBytes) {
        if (pending !== null) this.deps.counters.shed();
        pending = event.fix;
      } else {
        res.write(fixEvent(event.fix));
      }
    });
    res.once('close', () => {
      release();
      unlisten();
      this.streams.delete(res);
      res.off('drain', onDrain);
    });
  }

  /**
   * Registers a held request until it is answered or its client goes away; `end` answers it early
   * (trip ended, token expired at its `exp`, shutdown). Returns the release to call when answering.
   */
  private hold(
    res: ServerResponse,
    transport: HeldTransport,
    claims: Claims | null,
    end: (reason?: LiveEndReason) => void,
  ): () => void {
    let expiry: NodeJS.Timeout | undefined;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.held.delete(held);
      clearTimeout(expiry);
      this.deps.counters.closed(transport);
    };
    const held: Held = {
      transport,
      claims,
      end: (reason) => {
        if (released) return;
        release();
        end(reason);
      },
    };
    this.held.add(held);
    this.deps.counters.opened(transport);
    if (claims?.exp !== undefined) {
      const inMs = Math.max(0, claims.exp * 1000 - this.deps.now());
      expiry = setTimeout(() => held.end('token_expired'), Math.min(inMs, 2 ** 31 - 1));
    }
    res.once('close', release);
    return release;
  }
}
