import type { IncomingMessage, ServerResponse } from 'node:http';
import { canSubscribe, isDriverId, parseCursor, type Claims, type LiveEndReason } from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';
import type { LiveHub } from '../live/hub';
import type { LiveCounters } from '../metrics';
import { errorBody, type ErrorBody, type HttpErrorCode } from './errors';
import { answerLongPoll } from './live-long-poll';
import { openEventStream } from './live-sse';
import { answerShortPoll } from './live-short-poll';
import { integerParam } from './params';
import { requestToken, sendJson } from './raw';
import { authorize, refusalHeaders } from './require-role';

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
  body: ErrorBody;
}

const refusal = (status: number, error: HttpErrorCode, reason: string, message: string): Refusal => ({
  status,
  body: errorBody(error, message, { reason }),
});
const badParameter = (parameter: string, message: string): Refusal => ({
  status: 400,
  body: errorBody('bad_parameter', `${parameter} ${message}`, { parameter }),
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
        sendJson(res, refused.status, refused.body, refusalHeaders(refused.status));
      },
      () => {
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, errorBody('internal', 'internal error'));
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
      answerShortPoll(req, res, driverId, await this.deps.hub.open(driverId));
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
      answerLongPoll({
        res,
        driverId,
        view,
        cursor: cursor?.value ?? null,
        hasCursor: cursor !== null,
        timeoutMs: timeout.value * 1000,
        hub: this.deps.hub,
        hold: (end) => this.hold(res, 'long-poll', claims, end),
      });
      return null;
    }
    const lastEventId = req.headers['last-event-id'];
    const resumeFrom =
      typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : url.searchParams.get('after');
    const cursor = resumeFrom === null ? null : parseCursor(resumeFrom);
    if (cursor !== null && !cursor.ok)
      return badParameter(typeof lastEventId === 'string' ? 'Last-Event-ID' : 'after', 'must be <timestampMs>.<seq>');
    const view = await this.deps.hub.open(driverId);
    openEventStream({
      res,
      driverId,
      view,
      cursor: cursor?.value ?? null,
      hub: this.deps.hub,
      retryMs: this.deps.options.retryMs,
      maxBufferedBytes: this.deps.options.maxBufferedBytes,
      shed: () => this.deps.counters.shed(),
      hold: (end) => this.hold(res, 'sse', claims, end),
      beat: this.streams,
    });
    return null;
  }

  private async authorize(
    req: IncomingMessage,
    url: URL,
    driverId: string,
  ): Promise<{ ok: true; claims: Claims | null } | { ok: false; refusal: Refusal }> {
    const authorized = await authorize(this.deps.verifier, requestToken(req, url), ['rider', 'operator', 'service'], {
      forbidden: { reason: 'role_cannot_follow', message: 'a driver token follows no one' },
    });
    if (!authorized.ok) return { ok: false, refusal: authorized };
    const claims = authorized.claims;
    if (claims === null) return { ok: true, claims };
    const allowed = canSubscribe(claims, { driverId, kind: 'location' });
    if (!allowed.ok)
      return { ok: false, refusal: refusal(403, 'forbidden', allowed.reason, `may not follow ${driverId}`) };
    if (claims.role === 'rider' && claims.trip !== undefined && (await this.deps.tripEnded(claims.trip)))
      return { ok: false, refusal: refusal(403, 'forbidden', 'trip_ended', 'the trip of this token has ended') };
    return { ok: true, claims };
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
