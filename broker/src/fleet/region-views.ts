import { fleetRow, parseFleetRow, type FleetRow, type LocationFix } from '@ridetrack/shared';
import type { DriverState } from '../geo/types';
import { decodeBatch } from './region-batch';
import type { RegionBus } from './region-bus';

interface Driver {
  fix: LocationFix;
  online: boolean;
}

interface View {
  drivers: Map<string, Driver>;
  /** Streams showing the region. */
  users: number;
  /** Subscribed and given its first picture. */
  ready: Promise<void>;
}

export interface RegionViewsEvents {
  /**
   * A driver heard of (for a running simulation's progress): from a batch (`live`), or from a
   * region's first picture.
   */
  row(driverId: string, fix: LocationFix, online: boolean, live: boolean): void;
  /** A node took this many simulated fixes in a region during its last interval. */
  simFixes(n: number): void;
}

/**
 * The regions this node's consoles show, and what it knows of each: every driver in it, from the
 * geo-index and this node's own drivers when the region is first shown, then from the batches each
 * node publishes for it (region-publisher.ts), newer than the index's picture. A region is subscribed while at least one
 * stream shows it. Changes since the last flush are kept per region for the streams to send.
 */
export class RegionViews {
  private readonly views = new Map<string, View>();
  private readonly dirty = new Map<string, Set<string>>();
  /** Drivers that left a region: said one flush late, by when their row in another region has come. */
  private left = new Map<string, Set<string>>();
  private leftBefore = new Map<string, Set<string>>();

  constructor(
    private readonly bus: RegionBus,
    /** The region's live drivers in the geo-index. */
    private readonly snapshot: (region: string) => Promise<DriverState[]>,
    /** This node's own drivers in the region, as it knows them now (fresher than the index). */
    private readonly local: (region: string) => FleetRow[],
    private readonly events: RegionViewsEvents,
  ) {}

  /** Shows these regions (once more each): resolves once each is subscribed and has its picture. */
  async use(regions: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const region of regions) {
      let view = this.views.get(region);
      if (view === undefined) {
        const drivers = new Map<string, Driver>();
        view = { drivers, users: 0, ready: this.load(region, drivers) };
        this.views.set(region, view);
      }
      view.users++;
      waits.push(view.ready);
    }
    await Promise.all(waits);
  }

  /** A stream stopped showing these regions. */
  release(regions: Iterable<string>): void {
    for (const region of regions) {
      const view = this.views.get(region);
      if (view === undefined || --view.users > 0) continue;
      this.views.delete(region);
      this.dirty.delete(region);
      this.left.delete(region);
      this.leftBefore.delete(region);
      this.bus.unsubscribe(region);
    }
  }

  /** The regions shown now. */
  regions(): string[] {
    return [...this.views.keys()];
  }

  /** Every driver of the regions, as rows (a driver in two of them, caught moving: its newer row). */
  rows(regions: Iterable<string>): FleetRow[] {
    const out = new Map<string, Driver>();
    for (const region of regions) for (const [id, d] of this.views.get(region)?.drivers ?? []) keepNewer(out, id, d);
    return [...out].map(([id, d]) => fleetRow(id, d.fix, d.online));
  }

  /**
   * What changed in the regions since the last `clearChanges`: rows, and drivers that left them
   * by the flush before (not those that left one of them for another of them: the other region's
   * batch may come from another shard a moment later, so a departure is said one flush late).
   */
  changes(regions: readonly string[]): { rows: FleetRow[]; gone: string[] } {
    const changed = new Map<string, Driver>();
    const gone = new Set<string>();
    for (const region of regions) {
      const drivers = this.views.get(region)?.drivers;
      for (const id of this.dirty.get(region) ?? []) {
        const d = drivers?.get(id);
        if (d !== undefined) keepNewer(changed, id, d);
      }
      for (const id of this.leftBefore.get(region) ?? []) gone.add(id);
    }
    for (const id of gone) if (regions.some((r) => this.views.get(r)?.drivers.has(id) === true)) gone.delete(id);
    return { rows: [...changed].map(([id, d]) => fleetRow(id, d.fix, d.online)), gone: [...gone] };
  }

  clearChanges(): void {
    this.dirty.clear();
    this.leftBefore = this.left;
    this.left = new Map();
  }

  /** Forgets drivers whose last fix is older than `forgetMs` (they left without a word: a node died). */
  forget(nowMs: number, forgetMs: number): void {
    for (const view of this.views.values())
      for (const [id, d] of view.drivers) if (nowMs - d.fix.timestampMs > forgetMs) view.drivers.delete(id);
  }

  private async load(region: string, drivers: Map<string, Driver>): Promise<void> {
    // Subscribed first: a batch arriving while the index is read is newer than what it says.
    await this.bus.subscribe(region, (text) => this.arrived(region, text));
    for (const raw of this.local(region)) {
      const row = parseFleetRow(raw);
      if (row.ok && !drivers.has(row.value.driverId)) drivers.set(row.value.driverId, row.value);
    }
    for (const s of await this.snapshot(region))
      if (!drivers.has(s.driverId)) drivers.set(s.driverId, stateToDriver(s));
    for (const [id, d] of drivers) this.events.row(id, d.fix, d.online, false);
  }

  private arrived(region: string, text: string): void {
    const view = this.views.get(region);
    const batch = decodeBatch(text);
    if (view === undefined || batch === null) return;
    for (const raw of batch.rows) {
      const row = parseFleetRow(raw);
      if (!row.ok) continue;
      const { driverId, fix, online } = row.value;
      const known = view.drivers.get(driverId);
      // A late batch (another node's, from before the driver moved on) does not go back in time, and
      // a row the view already has (a node's whole picture of a region newly shown) is no change.
      if (known !== undefined && known.fix.timestampMs > fix.timestampMs) continue;
      if (known !== undefined && known.fix.timestampMs === fix.timestampMs && known.online === online) continue;
      view.drivers.set(driverId, { fix, online });
      mark(this.dirty, region, driverId);
      this.left.get(region)?.delete(driverId);
      this.leftBefore.get(region)?.delete(driverId);
      this.events.row(driverId, fix, online, true);
    }
    for (const id of batch.gone) {
      if (!view.drivers.delete(id)) continue;
      mark(this.left, region, id);
      this.dirty.get(region)?.delete(id);
    }
    if (batch.simFixes > 0) this.events.simFixes(batch.simFixes);
  }
}

/** A driver as the index holds it, as a console row: online while its fixes are fresh. */
function stateToDriver(s: DriverState): Driver {
  return {
    fix: {
      seq: s.seq,
      timestampMs: s.fixTimestampMs,
      lat: s.lat,
      lng: s.lng,
      headingDeg: s.headingDeg,
      speedMps: s.speedMps,
      accuracyM: s.accuracyM,
      tripState: s.tripState,
      simulated: s.simulated,
    },
    online: true,
  };
}

function keepNewer(out: Map<string, Driver>, id: string, d: Driver): void {
  const had = out.get(id);
  if (had === undefined || had.fix.timestampMs < d.fix.timestampMs) out.set(id, d);
}

function mark(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}
