import { parseTraceRow, type DriverProfile, type RiderTrip, type TracePoint, type TraceStats } from '@ridetrack/shared';

/**
 * The console's reads from the broker's JSON API (docs/api.md), with the operator's token. Every
 * answer is a value: `ok` with the body, or the HTTP status and the server's error code, never a
 * throw for a refusal (a network failure is status 0).
 */
export type Answer<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

export interface ConsoleSettings {
  maxCellsPerRequest: number;
  indexResolution: number;
  /** The fleet stream's regions: H3 cells at this resolution (what the view asks it for). */
  regionResolution: number;
  /** Regions one fleet stream may show; a wider view shows the fleet as density only. */
  maxStreamRegions: number;
  history: { backend: 'redis' | 'memory' | 'off'; retentionMs: number };
}

export interface CellsAnswer {
  res: number;
  total: number;
  cells: { cell: string; count: number }[];
}

/** Drivers per region, the whole fleet (GET /api/fleet/regions). */
export interface RegionsAnswer {
  res: number;
  total: number;
  regions: { cell: string; count: number }[];
}

export interface TripSummary {
  id: string;
  riderId: string | null;
  startMs: number;
  endMs: number | null;
}

export interface DriverTrips {
  current: TripSummary | null;
  trips: TripSummary[];
  history: boolean;
}

export interface DriverConnection {
  node: string;
  transport: 'tcp' | 'tls' | 'ws' | 'wss';
  connectedMs: number;
  endedMs: number | null;
}

export interface Trace {
  trip: { id: string; driverId: string; riderId: string | null; startMs: number; endMs: number | null };
  points: TracePoint[];
  stats: TraceStats;
}

export class ConsoleApi {
  constructor(private readonly token: string | null) {}

  private async get<T>(path: string): Promise<Answer<T>> {
    let res: Response;
    try {
      res = await fetch(path, this.token === null ? {} : { headers: { authorization: `Bearer ${this.token}` } });
    } catch {
      return { ok: false, status: 0, error: 'network' };
    }
    const body = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const error = (body as { error?: unknown } | null)?.error;
      return { ok: false, status: res.status, error: typeof error === 'string' ? error : 'error' };
    }
    return { ok: true, value: body as T };
  }

  settings(): Promise<Answer<ConsoleSettings>> {
    return this.get('/api/console/settings');
  }

  regions(): Promise<Answer<RegionsAnswer>> {
    return this.get('/api/fleet/regions');
  }

  cells(bbox: readonly number[], res: number): Promise<Answer<CellsAnswer>> {
    return this.get(`/api/cells?bbox=${bbox.map((x) => x.toFixed(5)).join(',')}&res=${res}`);
  }

  async track(driverId: string, fromMs: number, toMs: number): Promise<Answer<TracePoint[]>> {
    const r = await this.get<{ rows: unknown[] }>(
      `/api/drivers/${encodeURIComponent(driverId)}/track?from_ms=${Math.floor(fromMs)}&to_ms=${Math.ceil(toMs)}`,
    );
    return r.ok ? { ok: true, value: rowsToPoints(r.value.rows) } : r;
  }

  trips(driverId: string): Promise<Answer<DriverTrips>> {
    return this.get(`/api/drivers/${encodeURIComponent(driverId)}/trips?limit=5`);
  }

  /** Live drivers matching what an operator typed, wherever they are (GET /api/drivers/search). */
  searchDrivers(q: string): Promise<Answer<{ drivers: { driverId: string; lat: number; lng: number }[] }>> {
    return this.get(`/api/drivers/search?q=${encodeURIComponent(q)}`);
  }

  /** Who many drivers are, at most 500 ids (GET /api/driver-profiles). */
  profiles(ids: readonly string[]): Promise<Answer<{ profiles: Record<string, DriverProfile> }>> {
    return this.get(`/api/driver-profiles?ids=${ids.map(encodeURIComponent).join(',')}`);
  }

  /** Who a driver is to its riders (GET /api/drivers/:id/profile). */
  profile(driverId: string): Promise<Answer<DriverProfile>> {
    return this.get(`/api/drivers/${encodeURIComponent(driverId)}/profile`);
  }

  /** A dispatch trip as its rider sees it (GET /api/trips/:id; an operator may read any). */
  ride(tripId: string): Promise<Answer<RiderTrip>> {
    return this.get(`/api/trips/${encodeURIComponent(tripId)}`);
  }

  connection(driverId: string): Promise<Answer<DriverConnection>> {
    return this.get(`/api/drivers/${encodeURIComponent(driverId)}/connection`);
  }

  async trace(tripId: string): Promise<Answer<Trace>> {
    const r = await this.get<{ trip: Trace['trip']; rows: unknown[]; stats: TraceStats }>(
      `/api/trips/${encodeURIComponent(tripId)}/trace`,
    );
    return r.ok
      ? { ok: true, value: { trip: r.value.trip, stats: r.value.stats, points: rowsToPoints(r.value.rows) } }
      : r;
  }
}

function rowsToPoints(rows: unknown[]): TracePoint[] {
  const out: TracePoint[] = [];
  for (const row of rows) {
    const p = parseTraceRow(row);
    if (p.ok) out.push(p.value);
  }
  return out;
}
