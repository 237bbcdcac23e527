import { latLngToCell } from 'h3-js';
import { fleetRow, type FleetRow, type LocationFix } from '@ridetrack/shared';
import { RegionOf } from '../geo/regions';
import { encodeBatch } from './region-batch';
import type { RegionBus } from './region-bus';

export interface RegionPublisherOptions {
  nodeId: string;
  /** The geo-index's resolution: a driver's region is its index cell's parent, as the index has it. */
  h3Resolution: number;
  regionResolution: number;
  /** How often batches go out (twice a second). */
  intervalMs: number;
  /** How often the watched regions are read. */
  pollMs: number;
}

/**
 * This node's side of the operators' fleet view: its own drivers' changes, gathered per region and
 * published as one batch per region every `intervalMs`, for the regions some console shows only
 * (the list is read every `pollMs`). Fed from the gate's accept path and from presence, like the
 * geo-index. It always knows which region each of its drivers is in (an H3 call a fix, about a
 * microsecond), so that a region newly shown anywhere gets this node's whole picture of it at once,
 * and a console on this node gets its own drivers without waiting for the index.
 */
export class RegionPublisher {
  private watched = new Set<string>();
  /** Each of this node's drivers' region, as of its last fix, and the drivers of each region. */
  private readonly regionOf = new Map<string, string>();
  private readonly members = new Map<string, Set<string>>();
  /** Per region: the drivers that changed, and the ones that left, since the last batch. */
  private readonly changed = new Map<string, Set<string>>();
  private readonly gone = new Map<string, Set<string>>();
  private readonly simFixes = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly parent: RegionOf;

  constructor(
    private readonly bus: RegionBus,
    private readonly options: RegionPublisherOptions,
    /** This node's last fix of a driver, and whether the driver is online here. */
    private readonly driver: (driverId: string) => { fix: LocationFix; online: boolean } | undefined,
  ) {
    this.parent = new RegionOf(options.regionResolution);
  }

  start(): void {
    this.timers.push(setInterval(() => this.flush(), this.options.intervalMs));
    this.timers.push(setInterval(() => void this.poll(), this.options.pollMs));
    for (const t of this.timers) t.unref();
    void this.poll();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  /** A fix of one of this node's drivers was accepted. */
  fix(driverId: string, fix: LocationFix): void {
    // The parent of the index cell, not the region cell holding the point: H3's children do not
    // tile their parent exactly, and the index and the views go by the hierarchy.
    const region = this.parent.get(latLngToCell(fix.lat, fix.lng, this.options.h3Resolution));
    const before = this.regionOf.get(driverId);
    if (before !== region) {
      this.move(driverId, before, region);
      if (before !== undefined && this.watched.has(before)) {
        this.changed.get(before)?.delete(driverId);
        add(this.gone, before, driverId);
      }
    }
    if (!this.watched.has(region)) return;
    add(this.changed, region, driverId);
    this.gone.get(region)?.delete(driverId);
    if (fix.simulated) this.simFixes.set(region, (this.simFixes.get(region) ?? 0) + 1);
  }

  /** One of this node's drivers came online or went offline. */
  presence(driverId: string): void {
    const region = this.regionOf.get(driverId);
    if (region !== undefined && this.watched.has(region)) add(this.changed, region, driverId);
    else if (this.driver(driverId)?.online === false) this.move(driverId, region, undefined);
  }

  /**
   * A console on this node shows these regions now: watched at once for this node's own drivers
   * (the list read from the bus catches up within `pollMs`, for the other nodes too).
   */
  show(regions: readonly string[]): void {
    for (const r of regions) this.watched.add(r);
  }

  /** This node's drivers in a region, as rows: its part of a region's first picture. */
  rows(region: string): FleetRow[] {
    const rows: FleetRow[] = [];
    for (const id of this.members.get(region) ?? []) {
      const d = this.driver(id);
      if (d !== undefined) rows.push(fleetRow(id, d.fix, d.online));
    }
    return rows;
  }

  /** The regions this node has drivers in. */
  regions(): string[] {
    return [...this.members.keys()];
  }

  private move(driverId: string, from: string | undefined, to: string | undefined): void {
    if (from !== undefined) {
      const set = this.members.get(from);
      set?.delete(driverId);
      if (set?.size === 0) this.members.delete(from);
    }
    if (to === undefined) this.regionOf.delete(driverId);
    else {
      this.regionOf.set(driverId, to);
      add(this.members, to, driverId);
    }
  }

  /** Publishes what changed in each watched region. */
  flush(): void {
    for (const region of new Set([...this.changed.keys(), ...this.gone.keys()])) {
      const rows = [];
      for (const id of this.changed.get(region) ?? []) {
        const d = this.driver(id);
        if (d !== undefined) rows.push(fleetRow(id, d.fix, d.online));
        // An offline driver leaves this node's picture once said: it may reconnect anywhere.
        if (d?.online !== true) this.move(id, region, undefined);
      }
      const gone = [...(this.gone.get(region) ?? [])];
      if (rows.length > 0 || gone.length > 0)
        this.bus.publish(
          region,
          encodeBatch({ node: this.options.nodeId, rows, gone, simFixes: this.simFixes.get(region) ?? 0 }),
        );
    }
    this.changed.clear();
    this.gone.clear();
    this.simFixes.clear();
  }

  private async poll(): Promise<void> {
    let watched: Set<string>;
    try {
      watched = await this.bus.watched();
    } catch {
      return; // Redis away: nothing goes out anyway; the next poll asks again
    }
    const before = this.watched;
    this.watched = watched;
    // A region shown anew somewhere: this node's whole picture of it, at once (the index lags).
    for (const region of watched) {
      if (before.has(region)) continue;
      const rows = this.rows(region);
      if (rows.length > 0)
        this.bus.publish(region, encodeBatch({ node: this.options.nodeId, rows, gone: [], simFixes: 0 }));
    }
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}
