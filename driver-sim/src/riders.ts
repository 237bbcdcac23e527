import { parseRiderTrip, seededRng, type RoadGraph } from '@ridetrack/shared';
import { nextRequestInMs, pickRide, stopNodes, walkOutMs, type DemandSettings } from './demand';

/**
 * Simulated riders: they ask the broker's trip API for rides at random points of the city, come
 * out to the car once it waits ("I'm in"), and let the trip run to its end, as the ride app's
 * backend and a rider's phone would. With them a simulated fleet takes trips on its own: cars
 * drive to pickups, wait, carry riders and come back available. The HTTP calls are in this file
 * only; when and where are demand.ts's.
 */
export interface RidersOptions extends DemandSettings {
  /** The broker's HTTP address (npm start's RIDETRACK_HTTP_URL), without a trailing slash. */
  apiUrl: string;
  /** A service token (dispatch and trips); undefined for a broker in open mode. */
  token: string | undefined;
  graph: RoadGraph;
  seed: number;
  /** At most this many rides open at once, so that demand never takes every car. */
  maxOpen: number;
  /** How often each open ride is looked at, ms. */
  pollMs: number;
  /** Rider ids are `<prefix>1`, `<prefix>2`, ... (the trip's riderId, which an operator sees). */
  riderPrefix: string;
}

export const DEFAULT_RIDERS = { pollMs: 2000, riderPrefix: 'sim-rider-' } as const;

export interface RiderStats {
  /** Rides dispatched to a car. */
  requested: number;
  /** Asks the broker answered with no free car near the pickup. */
  noDriver: number;
  /** Riders who got in. */
  boarded: number;
  completed: number;
  /** Rides that ended otherwise (a no-show after the whole wait, an operator's end). */
  cancelled: number;
  /** Calls that failed (the broker unreachable, an answer that was not a trip). */
  failed: number;
  /** Rides under way now. */
  open: number;
}

export interface Riders {
  stats(): RiderStats;
  close(): Promise<void>;
}

/** What a failed call says once, to the person running the simulator. */
export type RiderProblem =
  { kind: 'refused'; status: number; message: string } | { kind: 'unreachable'; message: string };

interface OpenRide {
  /** When the rider gets in, once the car waits (null before). */
  boardAtMs: number | null;
}

const CALL_TIMEOUT_MS = 5000;

export function startRiders(
  o: RidersOptions,
  hooks: { onProblem?: (problem: RiderProblem) => void } = {},
  now: () => number = Date.now,
): Riders {
  const rng = seededRng(o.seed * 7_877 + 5);
  const stops = stopNodes(o.graph);
  const open = new Map<string, OpenRide>();
  const counts = { requested: 0, noDriver: 0, boarded: 0, completed: 0, cancelled: 0, failed: 0 };
  let riders = 0;
  let closed = false;
  /** A refused token does not heal: the riders stop asking. */
  let refused = false;
  let unreachableSaid = false;
  const inFlight = new Set<Promise<void>>();

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response | null> => {
    try {
      return await fetch(`${o.apiUrl}/api${path}`, {
        method,
        headers: {
          ...(o.token === undefined ? {} : { authorization: `Bearer ${o.token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (err) {
      counts.failed++;
      if (!unreachableSaid) {
        unreachableSaid = true;
        hooks.onProblem?.({ kind: 'unreachable', message: err instanceof Error ? err.message : String(err) });
      }
      return null;
    }
  };

  /** An answer the riders cannot use: counted, and a refused token said once and for all. */
  const failedWith = async (res: Response): Promise<void> => {
    counts.failed++;
    // Refused: no more asks from now on, not once the body has been read.
    const refusal = (res.status === 401 || res.status === 403) && !refused;
    if (refusal) refused = true;
    const text = await res.text().catch(() => '');
    if (refusal) hooks.onProblem?.({ kind: 'refused', status: res.status, message: text.slice(0, 200) });
  };

  const track = (work: Promise<void>): void => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const ask = async (): Promise<void> => {
    if (refused || open.size >= o.maxOpen) return;
    const ride = pickRide(o.graph, stops, o, rng);
    if (ride === null) return;
    const res = await call('POST', '/trips', { ...ride, riderId: `${o.riderPrefix}${++riders}` });
    if (res === null) return;
    if (res.status === 201) {
      const { trip } = (await res.json().catch(() => ({}))) as { trip?: { id?: unknown } };
      if (typeof trip?.id === 'string') {
        counts.requested++;
        open.set(trip.id, { boardAtMs: null });
      } else counts.failed++;
    } else if (res.status === 409) {
      counts.noDriver++;
      await res.body?.cancel();
    } else await failedWith(res);
  };

  /** One look at an open ride: the rider gets in once the car has waited the walk out, and leaves at the end. */
  const look = async (id: string, ride: OpenRide): Promise<void> => {
    const res = await call('GET', `/trips/${encodeURIComponent(id)}`);
    if (res === null) return;
    if (res.status === 404) {
      open.delete(id);
      counts.cancelled++;
      return;
    }
    if (res.status !== 200) return failedWith(res);
    const view = parseRiderTrip(await res.json().catch(() => null));
    if (!view.ok) {
      counts.failed++;
      return;
    }
    const trip = view.value;
    switch (trip.stage) {
      case 'waiting':
        if (ride.boardAtMs === null) ride.boardAtMs = now() + walkOutMs(o, rng);
        else if (now() >= ride.boardAtMs) {
          const boarded = await call('POST', `/trips/${encodeURIComponent(id)}/board`);
          if (boarded?.status === 200) counts.boarded++;
          await boarded?.body?.cancel();
        }
        return;
      case 'completed':
        open.delete(id);
        counts.completed++;
        return;
      case 'cancelled':
        open.delete(id);
        counts.cancelled++;
        return;
      case 'reassigned':
        // Its car dropped it: the rider follows the ride dispatch found instead.
        open.delete(id);
        if (trip.next !== null) open.set(trip.next.trip, { boardAtMs: null });
        return;
      default:
        return; // assigned or on_trip: the car is on its way
    }
  };

  let askTimer: NodeJS.Timeout | undefined;
  const scheduleAsk = (): void => {
    askTimer = setTimeout(
      () => {
        if (closed) return;
        track(ask());
        scheduleAsk();
      },
      nextRequestInMs(o.ridesPerMin, rng),
    );
  };
  scheduleAsk();

  let looking = false;
  const poll = setInterval(() => {
    if (looking || closed || open.size === 0) return;
    looking = true;
    const work = Promise.all([...open].map(([id, ride]) => look(id, ride))).then(() => {
      looking = false;
    });
    track(work);
  }, o.pollMs);

  return {
    stats: () => ({ ...counts, open: open.size }),
    close: async () => {
      closed = true;
      clearTimeout(askTimer);
      clearInterval(poll);
      await Promise.allSettled([...inFlight]);
    },
  };
}
