import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetRow } from '@ridetrack/shared';
import type { GeoIndex } from '../geo/types';
import { parseRegions } from '../fleet/region-batch';
import type { RegionBus } from '../fleet/region-bus';
import { RegionViews } from '../fleet/region-views';
import type { TokenVerifier } from '../auth/tokens';
import type { LiveCounters } from '../metrics';
import { FleetReaders, type Reader } from './fleet-readers';
import { requestToken, sendJson } from './raw';
import { SimProgress } from './sim-progress';
import { errorBody } from './errors';
import { authorize, refusalHeaders } from './require-role';

export interface FleetStreamDeps {
  /** Where nodes publish their drivers' batches per region. */
  bus: RegionBus;
  /** This node's own drivers in a region, now, and the regions it has drivers in. */
  localRows: (region: string) => FleetRow[];
  localRegions: () => string[];
  /** This node's consoles show these regions now (its own publisher hears it at once). */
  showing: (regions: readonly string[]) => void;
  /** The geo-index: a region's first picture, and the regions that hold drivers. */
  index: GeoIndex;
  /** null in open mode. */
  verifier: TokenVerifier | null;
  counters: LiveCounters;
  /** How often changed drivers are sent. */
  intervalMs: number;
  heartbeatMs: number;
  /**
   * Bytes a reader may leave unread. Past it, batches for that reader are skipped, and once it has
   * read what it had it gets its regions whole again instead: memory per reader stays bounded, and a
   * slow reader still ends with the current picture.
   */
  maxBufferedBytes: number;
  /** Regions one stream may name (`?regions=`), and follow at most without naming them. */
  maxRegions: number;
  /** How often the stream's `stats` event (the clock and a running simulation's progress) is sent. */
  statsIntervalMs: number;
  /** The node's cumulative refusal and drop counts by reason, for a simulation's progress. */
  refusalCounts: () => Promise<Record<string, number>>;
  now: () => number;
}

/** How long a shown region is said to be watched, said again every third of it. */
const WATCH_MS = 6000;
/** A stream that names no regions follows every region that holds drivers, listed again this often. */
const ALL_REFRESH_MS = 5000;
/** A driver not heard from for this long leaves a view (its node died without a word). */
const FORGET_MS = 10 * 60_000;

/**
 * `GET /api/fleet/events?regions=r1,r2,...`: the drivers of some regions of the fleet (H3 cells at
 * the region resolution: what a console's map shows) for an operator's map, as Server-Sent Events.
 * First the regions as they are (from the geo-index), then every `intervalMs` the drivers whose fix
 * or presence changed, as compact rows (shared/src/fleet.ts), and those that left the regions. A
 * browser parses two batches a second instead of thousands of MQTT messages.
 *
 * No node subscribes to every fix for this: each node publishes its own drivers' changes per region
 * twice a second, for the regions some console shows only (fleet/region-publisher.ts), and a node
 * subscribes to the regions its streams show (fleet/region-views.ts). Without `regions`, a stream
 * follows every region holding drivers (at most `maxRegions`): for tools; a console names its view.
 * Every `statsIntervalMs` an `event: stats` carries the server's clock and, while simulated drivers
 * are seen, the simulation's progress (sim-progress.ts). Operator and service tokens.
 */
export class FleetStream {
  private readonly streams: FleetReaders;
  private readonly shows = new Map<Reader, { regions: string[]; all: boolean }>();
  private readonly views: RegionViews;
  private readonly timers: NodeJS.Timeout[] = [];
  private sim = new SimProgress(0);
  private beats = 0;

  constructor(private readonly deps: FleetStreamDeps) {
    this.streams = new FleetReaders(
      deps.maxBufferedBytes,
      (reader) => this.batch({ rows: this.views.rows(this.shows.get(reader)?.regions ?? []), gone: [] }),
      () => deps.counters.shed(),
    );
    this.views = new RegionViews(deps.bus, (region) => deps.index.regionDrivers(region, deps.now()), deps.localRows, {
      row: (id, fix, online, live) => {
        // A first picture's drivers count as of their last fix: an old simulation is forgotten at once.
        const seenMs = live ? deps.now() : fix.timestampMs;
        this.sim.fix(id, fix.simulated, seenMs, 0);
        this.sim.status(id, online, seenMs);
      },
      simFixes: (n) => this.sim.addFixes(n),
    });
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.url?.startsWith('/api/fleet/events') !== true) return false;
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname !== '/api/fleet/events') return false;
    this.open(req, res, url).catch(() => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, errorBody('internal', 'internal error'));
    });
    return true;
  }

  /** Open operator streams (0 once every client has gone). */
  get openCount(): number {
    return this.streams.size;
  }

  /** Regions this node's streams show now. */
  get regionCount(): number {
    return this.views.regions().length;
  }

  close(): void {
    this.streams.endAll();
    this.stopTimers();
  }

  private async open(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      this.deps.counters.refused('method_not_allowed');
      sendJson(res, 405, errorBody('method_not_allowed', `${req.method ?? ''} is not allowed; use GET`));
      return;
    }
    const authorized = await authorize(this.deps.verifier, requestToken(req, url), ['operator', 'service'], {
      forbidden: { reason: 'role_cannot_follow_fleet', message: 'needs an operator or service token' },
    });
    if (!authorized.ok) {
      this.deps.counters.refused(authorized.body.reason ?? authorized.body.error);
      sendJson(res, authorized.status, authorized.body, refusalHeaders(authorized.status));
      return;
    }
    this.deps.counters.request('fleet');
    const named = url.searchParams.get('regions');
    let regions: string[];
    if (named === null) regions = await this.everyRegion();
    else {
      const parsed = parseRegions(named, this.deps.index.regionResolution, this.deps.maxRegions);
      if (!parsed.ok) {
        this.deps.counters.refused(parsed.reason);
        const { regionResolution } = this.deps.index;
        const message =
          parsed.reason === 'too_many_regions'
            ? `at most ${this.deps.maxRegions} regions (H3 cells at resolution ${regionResolution}) a stream`
            : `regions must be H3 cells at resolution ${regionResolution} or finer, comma-separated`;
        sendJson(res, 400, errorBody('bad_parameter', message, { parameter: 'regions', reason: parsed.reason }));
        return;
      }
      regions = parsed.value;
    }
    if (this.shows.size === 0) this.startTimers();
    // The stream counts from now: its regions stay shown while it waits for their first picture.
    const show = { regions, all: named === null };
    this.shows.set(res, show);
    this.deps.showing(regions);
    try {
      await this.views.use(regions);
    } catch (err) {
      this.shows.delete(res);
      this.views.release(regions);
      if (this.shows.size === 0) this.stopTimers();
      throw err;
    }
    if (res.destroyed) {
      this.end(res);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n\n${this.batch({ rows: this.views.rows(regions), gone: [] })}`);
    this.streams.add(res);
    this.deps.counters.opened('fleet');
    void this.renewWatch();
    res.once('close', () => {
      this.deps.counters.closed('fleet');
      this.end(res);
    });
  }

  private end(res: ServerResponse): void {
    const show = this.shows.get(res);
    if (show === undefined) return;
    this.shows.delete(res);
    this.streams.delete(res);
    this.views.release(show.regions);
    if (this.shows.size === 0) this.stopTimers();
  }

  /** The regions holding drivers, for a stream that names none (the first `maxRegions`). */
  private async everyRegion(): Promise<string[]> {
    const all = new Set([...this.deps.localRegions(), ...(await this.deps.index.regions())]);
    return [...all].slice(0, this.deps.maxRegions);
  }

  private startTimers(): void {
    this.sim = new SimProgress(this.deps.now());
    const every = (ms: number, task: () => unknown): void => {
      const t = setInterval(task, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.deps.intervalMs, () => this.flush());
    every(WATCH_MS / 3, () => void this.renewWatch());
    every(ALL_REFRESH_MS, () => void this.refreshAll());
    every(this.deps.statsIntervalMs, () => void this.sendStats());
    void this.sendStats(); // the first window starts with the counters as they are
  }

  private stopTimers(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  /** Tells the nodes which regions this node shows: they publish batches for those only. */
  private async renewWatch(): Promise<void> {
    await this.deps.bus.watch(this.views.regions(), WATCH_MS).catch(() => undefined);
  }

  /** Streams that follow every region take on regions that started holding drivers. */
  private async refreshAll(): Promise<void> {
    this.views.forget(this.deps.now(), FORGET_MS);
    const followers = [...this.shows.values()].filter((s) => s.all);
    if (followers.length === 0) return;
    const now = await this.everyRegion().catch(() => null);
    if (now === null) return;
    for (const show of followers) {
      const added = now.filter((r) => !show.regions.includes(r));
      if (added.length === 0) continue;
      show.regions = [...show.regions, ...added];
      this.deps.showing(added);
      await this.views.use(added);
    }
  }

  private async sendStats(): Promise<void> {
    const counts = await this.deps.refusalCounts();
    const nowMs = this.deps.now();
    const sim = this.sim.snapshot(nowMs, counts);
    this.streams.send(`event: stats\ndata: ${JSON.stringify({ t: nowMs, sim })}\n\n`);
  }

  private flush(): void {
    // A reader with nothing new gets a comment every heartbeat, so proxies keep the stream open.
    const beat = ++this.beats * this.deps.intervalMs >= this.deps.heartbeatMs;
    this.streams.sendEach((reader) => {
      const changes = this.views.changes(this.shows.get(reader)?.regions ?? []);
      if (changes.rows.length === 0 && changes.gone.length === 0) return beat ? ': hb\n\n' : null;
      return this.batch(changes);
    });
    if (beat) this.beats = 0;
    this.views.clearChanges();
  }

  private batch({ rows, gone }: { rows: unknown[]; gone: string[] }): string {
    const data = gone.length === 0 ? { rows } : { rows, gone };
    return `event: drivers\ndata: ${JSON.stringify(data)}\n\n`;
  }
}
