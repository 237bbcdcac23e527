import { parseFleetRow } from '@ridetrack/shared';
import type { DriverPoint } from '../markers';
import type { SimView } from './sidebar';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface FleetEventsHandlers {
  /** Drivers that changed or left; `whole`: the stream's picture of its regions, replacing what was known. */
  drivers(rows: DriverPoint[], gone: string[], whole: boolean): void;
  /** Every 2 s: a running simulation's progress (null: none runs). */
  sim(sim: SimView | null): void;
  state(state: StreamState): void;
}

/**
 * The drivers of the regions in view as Server-Sent Events from the broker (GET
 * /api/fleet/events?regions=...): the regions at once, then twice a second the drivers that changed
 * or left them, one JSON batch each time, which a browser handles far more cheaply than thousands of
 * MQTT messages a second; and every 2 s the server's clock and a running simulation's progress. The
 * view's regions go with the request, so the broker sends only what is shown; `follow` with other
 * regions opens a new stream, whose first batch replaces the drivers known. EventSource reconnects
 * by itself (the server asks for 2 s) and starts again with the regions whole. A batch that is not
 * JSON, and a row that is not a driver, are skipped.
 */
export class FleetEvents {
  private source: EventSource | null = null;
  private connected = false;

  constructor(
    private readonly token: string | null,
    private readonly on: FleetEventsHandlers,
  ) {}

  follow(regions: readonly string[]): void {
    this.source?.close();
    const url = new URL('/api/fleet/events', location.origin);
    url.searchParams.set('regions', regions.join(','));
    if (this.token !== null) url.searchParams.set('access_token', this.token);
    const stream = new EventSource(url);
    this.source = stream;
    /** The next `drivers` event is the stream's whole picture of its regions. */
    let whole = true;
    if (!this.connected) this.on.state('connecting');
    stream.onopen = () => {
      this.connected = true;
      whole = true;
      this.on.state('live');
    };
    stream.onerror = () => {
      if (this.source !== stream) return;
      this.connected = false;
      this.on.state(stream.readyState === EventSource.CLOSED ? 'refused' : 'reconnecting');
    };
    stream.addEventListener('drivers', (e: MessageEvent<string>) => {
      if (this.source !== stream) return;
      const batch = parse(e.data) as { rows?: unknown; gone?: unknown } | null;
      if (batch === null || !Array.isArray(batch.rows)) return;
      const rows: DriverPoint[] = [];
      for (const row of batch.rows) {
        const d = parseFleetRow(row);
        if (d.ok) rows.push(d.value);
      }
      const gone = Array.isArray(batch.gone) ? batch.gone.filter((id): id is string => typeof id === 'string') : [];
      const wasWhole = whole;
      whole = false;
      this.on.drivers(rows, gone, wasWhole);
    });
    stream.addEventListener('stats', (e: MessageEvent<string>) => {
      if (this.source !== stream) return;
      const stats = parse(e.data) as { sim?: SimView | null } | null;
      if (stats !== null) this.on.sim(stats.sim ?? null);
    });
  }
}

function parse(data: string): unknown {
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}
