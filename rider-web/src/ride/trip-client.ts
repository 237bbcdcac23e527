import { backoffMs, isActiveStage, parseRiderTrip, type RiderTrip } from '@ridetrack/shared';

export interface TripEvents {
  /** A new version of the trip (or of its car), with the page clock when it arrived. */
  trip(trip: RiderTrip, receivedMs: number): void;
  /** The broker does not know the trip (it ended long ago, or was lost with a restart). */
  gone(): void;
  /** The token is refused (expired, malformed): it will not get better. */
  refused(reason: string): void;
  /** The broker cannot be reached just now; the loop keeps trying. */
  unreachable(): void;
}

/** How often the trip is asked for while it goes on, and after it has ended (it no longer changes). */
const ACTIVE_MS = 2000;
const ENDED_MS = 30_000;

/**
 * Follows a trip over plain HTTP: `GET /api/trips/{id}` every two seconds with the last ETag (an
 * unchanged trip is a bodiless 304), at once when `refresh()` is called (the car's fixes say its
 * state changed, or its feed was closed because the trip ended). Independent of the car's live
 * transport, so it works wherever any HTTP does. `first` is a response already under way (the
 * page's inline script starts it before the modules load).
 */
export function watchTrip(
  tripId: string,
  token: string,
  events: TripEvents,
  first?: Promise<Response>,
): { refresh(): void; close(): void; post(action: 'board' | 'cancel'): Promise<RiderTrip | string> } {
  let etag: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let failures = 0;
  let active = true;
  let pending: Promise<Response> | undefined = first;
  /** The newest version applied: an answer read after a newer one (a poll overtaken by a tap's answer) is dropped. */
  let version = -1;
  const apply = (trip: RiderTrip): boolean => {
    if (closed || trip.version < version) return false;
    version = trip.version;
    events.trip(trip, Date.now());
    return true;
  };
  const url = `/api/trips/${encodeURIComponent(tripId)}`;
  const auth = { authorization: `Bearer ${token}` };

  const schedule = (ms: number): void => {
    if (closed) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => void poll(), ms);
  };
  const handle = async (res: Response): Promise<void> => {
    failures = 0;
    if (res.status === 304) return;
    if (res.status === 404) {
      active = false;
      events.gone();
      return;
    }
    if (res.status === 401 || res.status === 403) {
      closed = true;
      const body = (await res.json().catch(() => ({}))) as { reason?: string; message?: string };
      events.refused(body.reason ?? body.message ?? `HTTP ${res.status}`);
      return;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const parsed = parseRiderTrip(await res.json());
    if (!parsed.ok) throw new Error(parsed.reason);
    if (!apply(parsed.value)) return;
    etag = res.headers.get('etag');
    active = isActiveStage(parsed.value.stage);
  };
  /** One poll at a time: a refresh asked for during one runs when it is done. */
  let polling = false;
  let again = false;
  const poll = async (): Promise<void> => {
    if (closed) return;
    if (polling) {
      again = true;
      return;
    }
    polling = true;
    const got =
      pending ??
      fetch(url, { headers: { ...auth, ...(etag === null ? {} : { 'if-none-match': etag }) }, cache: 'no-store' });
    pending = undefined;
    try {
      await handle(await got);
      schedule(active ? ACTIVE_MS : ENDED_MS);
    } catch {
      failures++;
      events.unreachable();
      schedule(backoffMs(failures, 500, 10_000, Math.random));
    } finally {
      polling = false;
      if (again) {
        again = false;
        schedule(0);
      }
    }
  };
  void poll();
  return {
    refresh: () => schedule(0),
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
    },
    async post(action) {
      const res = await fetch(`${url}/${action}`, { method: 'POST', headers: auth });
      const body = (await res.json().catch(() => ({}))) as unknown;
      if (!res.ok) return (body as { error?: string }).error ?? `HTTP ${res.status}`;
      const parsed = parseRiderTrip(body);
      if (!parsed.ok) return parsed.reason;
      apply(parsed.value);
      return parsed.value;
    },
  };
}
