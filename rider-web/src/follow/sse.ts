import { backoffMs, decodeStatus, fixFromJson } from '@ridetrack/shared';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, type OpenTransport } from './types';

/**
 * Server-Sent Events (`/api/live/{id}/events`). The browser's own reconnection is replaced by ours
 * (backoff with full jitter, so a restarted server is not stampeded), resuming from the last event
 * id with `after=`; EventSource cannot send headers, so the token goes as `access_token`.
 */
export const openSse: OpenTransport = ({ origin, driverId, token }, events, fallback) => {
  let source: EventSource | null = null;
  let lastId: string | null = null;
  let attempt = 0;
  let everOpen = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const connect = (): void => {
    events.state(everOpen ? 'reconnecting' : 'connecting');
    const url = new URL(`/api/live/${encodeURIComponent(driverId)}/events`, origin);
    url.searchParams.set('access_token', token);
    if (lastId !== null) url.searchParams.set('after', lastId);
    const s = new EventSource(url);
    source = s;
    s.onopen = () => {
      attempt = 0;
      everOpen = true;
      events.state('connected');
    };
    s.addEventListener('location', (e: MessageEvent<string>) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(e.data);
      } catch {
        return;
      }
      const fix = fixFromJson(parsed);
      if (!fix.ok) return;
      if (e.lastEventId !== '') lastId = e.lastEventId;
      events.fix(driverId, fix.value);
    });
    s.addEventListener('status', (e: MessageEvent<string>) => {
      const status = decodeStatus(e.data);
      if (status.ok) events.status(driverId, status.value);
    });
    s.addEventListener('end', (e: MessageEvent<string>) => {
      // The token no longer works (trip ended, expired): reconnecting would be refused.
      closed = true;
      s.close();
      events.state('refused', e.data);
    });
    s.onerror = () => {
      s.close();
      if (closed || source !== s) return;
      source = null;
      attempt++;
      if (!everOpen && fallback !== undefined && attempt >= fallback.afterFailures) {
        closed = true;
        fallback.unreachable();
        return;
      }
      events.state('reconnecting');
      timer = setTimeout(connect, backoffMs(attempt, BACKOFF_BASE_MS, BACKOFF_CAP_MS, Math.random));
    };
  };
  connect();
  return {
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      source?.close();
    },
  };
};
