import { backoffMs, decodeStatus, fixFromJson, type DriverStatus, type LocationFix } from '@ridetrack/shared';
import type { FeedEvents } from '../feed';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, type Fallback, type FollowTarget, type OpenTransport } from './types';

/** What one poll brought: fixes (oldest first), the presence, and the cursor or ETag for the next. */
interface Answer {
  fixes: LocationFix[];
  status: DriverStatus | null;
  next: string | null;
}

/** A refusal the token will not get past: stop, and say why. */
class Refused extends Error {}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

function statusOf(value: unknown): DriverStatus | null {
  if (typeof value !== 'object' || value === null) return null;
  const status = decodeStatus(JSON.stringify(value));
  return status.ok ? status.value : null;
}

/**
 * The loop both polling transports share: ask, hand over what came, wait `pauseMs`, ask again.
 * Failures back off with full jitter; 401/403 end it (the token will not get better).
 */
function pollLoop(
  target: FollowTarget,
  events: FeedEvents,
  fallback: Fallback | undefined,
  ask: (previous: string | null, signal: AbortSignal) => Promise<Answer | null>,
  pauseMs: number,
): { close(): void } {
  const abort = new AbortController();
  const stopped = (): boolean => abort.signal.aborted;
  const run = async (): Promise<void> => {
    let previous: string | null = null;
    let attempt = 0;
    let connected = false;
    events.state('connecting');
    while (!stopped()) {
      try {
        const answer = await ask(previous, abort.signal);
        if (!connected) events.state('connected');
        connected = true;
        attempt = 0;
        if (answer !== null) {
          if (answer.status !== null) events.status(target.driverId, answer.status);
          for (const fix of answer.fixes) events.fix(target.driverId, fix);
          previous = answer.next ?? previous;
        }
        if (pauseMs > 0) await sleep(pauseMs, abort.signal);
      } catch (err) {
        if (stopped()) return;
        if (err instanceof Refused) {
          events.state('refused', err.message);
          return;
        }
        attempt++;
        if (!connected && fallback !== undefined && attempt >= fallback.afterFailures) {
          fallback.unreachable();
          return;
        }
        connected = false;
        events.state('reconnecting');
        await sleep(backoffMs(attempt, BACKOFF_BASE_MS, BACKOFF_CAP_MS, Math.random), abort.signal);
      }
    }
  };
  void run();
  return { close: () => abort.abort() };
}

async function getJson(url: URL, token: string, signal: AbortSignal, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal,
    cache: 'no-store',
  });
  if (res.status === 401 || res.status === 403) {
    const body = (await res.json().catch(() => ({}))) as { reason?: string };
    throw new Refused(body.reason ?? `HTTP ${res.status}`);
  }
  if (res.status === 304) return { res, body: null };
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return { res, body: (await res.json()) as Record<string, unknown> };
}

const fixesOf = (values: unknown): LocationFix[] =>
  (Array.isArray(values) ? values : []).flatMap((v) => {
    const fix = fixFromJson(v);
    return fix.ok ? [fix.value] : [];
  });

/** Long polling (`/poll?after=`): the server holds each request until a newer fix or its timeout. */
export const openLongPoll: OpenTransport = (target, events, fallback) =>
  pollLoop(
    target,
    events,
    fallback,
    async (cursor, signal) => {
      const url = new URL(`/api/live/${encodeURIComponent(target.driverId)}/poll`, target.origin);
      if (cursor !== null) url.searchParams.set('after', cursor);
      const { body } = await getJson(url, target.token, signal);
      if (body === null) return null;
      return {
        fixes: fixesOf(body['fixes']),
        status: statusOf(body['status']),
        next: typeof body['cursor'] === 'string' ? body['cursor'] : null,
      };
    },
    0,
  );

/** Short polling every `intervalMs`, with If-None-Match so an unchanged answer is a bodiless 304. */
export function shortPoll(intervalMs: number): OpenTransport {
  return (target, events, fallback) =>
    pollLoop(
      target,
      events,
      fallback,
      async (etag, signal) => {
        const url = new URL(`/api/live/${encodeURIComponent(target.driverId)}`, target.origin);
        const { res, body } = await getJson(url, target.token, signal, etag === null ? {} : { 'if-none-match': etag });
        if (body === null) return null;
        return { fixes: fixesOf([body['fix']]), status: statusOf(body['status']), next: res.headers.get('etag') };
      },
      intervalMs,
    );
}
