import { cellToChildren } from 'h3-js';
import { TRIP_STATES } from '@ridetrack/shared';
import { MemberReader, memberToState } from './member';
import { NearestFirstSearch } from './nearest-first';
import { cellSetCopy, OccupancyCache, searchCells, type CellSetCopy } from './occupancy';
import { RegionOf } from './regions';
import { cachedCentre, ReachGuide } from './ring-search';
import type { GeoKeys } from '../store/keys';
import { isCluster, type RedisClient } from '../store/redis-client';
import { TimeSlice } from '../time-slice';
import { unavailable, type NearbyDriver, type NearbyQuery } from './types';

/** Resolutions from the index's to the blocks a copy keeps its cells by (7 cells a block). */
const BLOCK_LEVELS = 1;
/** Searches started again with fresh copies of the cell sets before one reads without them. */
const FRESH_TRIES = 2;

export type NearbyRedis = RedisClient & {
  rtRead(...args: (string | number)[]): Promise<string[][] | number>;
  rtOccupancy(version: string, cells: string): Promise<[string, string[]]>;
};

/**
 * Nearby drivers in the Redis index: the nearest-first search (nearest-first.ts) over the cells
 * that may hold drivers, each of its steps one script call (on a Redis Cluster, one per region it
 * reads, on that region's shard). This node keeps a copy of each region's cell set while the set's
 * version stands (occupancy.ts), by block; the search walks blocks and ranks only the cells the
 * copies list under them, so a sparse fleet costs a few cells, not the rings of a wide disk. Every
 * read checks, in the same script, the versions of the copies it relied on: a skipped cell was
 * empty when the others were read, as when every cell was read. A version that moved on drops the
 * copy and starts the search again (docs/nearby.md).
 */
export class RedisNearby {
  private readonly guide = new ReachGuide();
  private readonly reader = new MemberReader();
  private readonly copies = new OccupancyCache();
  /** Regions whose copies are being loaded. */
  private readonly loading = new Set<string>();
  /**
   * A copy's cells by block: a resolution above the index's (7 cells; about 0.7 km² at 8), no
   * coarser than the regions, so a block is in one region.
   */
  private readonly blockOf: RegionOf;
  /** A Redis Cluster: a script reads one region (one hash tag), not several. */
  private readonly clustered: boolean;

  constructor(
    private readonly redis: NearbyRedis,
    private readonly keys: GeoKeys,
    private readonly regionOf: RegionOf,
    private readonly h3Resolution: number,
    private readonly staleMs: number,
    private readonly maxRings: number,
  ) {
    this.clustered = isCluster(redis);
    this.blockOf = new RegionOf(Math.max(regionOf.resolution, h3Resolution - BLOCK_LEVELS));
  }

  async nearby(query: NearbyQuery, nowMs: number): Promise<NearbyDriver[]> {
    for (let attempt = 0; ; attempt++) {
      const found = await this.search(query, nowMs, attempt < FRESH_TRIES);
      if (found !== null) return found;
    }
  }

  /** One search; null when a region's cell set changed under it (start again). */
  private async search(query: NearbyQuery, nowMs: number, useCopies: boolean): Promise<NearbyDriver[] | null> {
    // The copy of each region this search relies on, fixed when it first meets the region: each
    // read names the version it used. A region without one is read whole, and its copy loaded.
    const copies = new Map<string, CellSetCopy | null>();
    // Regions whose copy this search relies on and no read has checked yet: the next read checks
    // them, with or without cells of theirs to read (a copy showing no cell near must be checked
    // too), and the search ends with such a read if any are left.
    const unchecked = new Set<string>();
    const copyOf = (region: string): CellSetCopy | undefined => {
      let copy = copies.get(region);
      if (copy === undefined) {
        copy = useCopies ? (this.copies.get(region) ?? null) : null;
        if (copy === null && useCopies) this.load(region);
        if (copy !== null) unchecked.add(region);
        copies.set(region, copy);
      }
      return copy ?? undefined;
    };
    const cells = searchCells(
      copyOf,
      (cell) => this.regionOf.get(cell),
      this.blockOf.resolution,
      (block) => cellToChildren(block, this.h3Resolution).map(cachedCentre),
    );
    const reader = this.reader;
    const search = new NearestFirstSearch<string>(
      query,
      this.h3Resolution,
      this.maxRings,
      this.guide,
      (m) => {
        reader.read(m);
        return { id: m.slice(0, reader.idEnd), version: reader.updatedMs };
      },
      cells,
    );
    const cutoff = nowMs - this.staleMs;
    const trip = query.tripState === undefined ? -1 : TRIP_STATES.indexOf(query.tripState);
    const slice = new TimeSlice();
    let firstRegion: string | undefined;
    const due = (): boolean => slice.due();
    for (let step = search.next(due); ; step = search.next(due)) {
      // A step that only widened the disk reads nothing: give the loop its turn if one is due.
      if (step !== null && step.length === 0) {
        await slice.yieldIfDue();
        continue;
      }
      const byRegion = new Map<string, string[]>();
      for (const cell of step ?? []) {
        const region = this.regionOf.get(cell);
        firstRegion ??= region;
        // Cells of a second region: a driver crossing between them may be in both.
        if (region !== firstRegion) search.dedupe();
        let list = byRegion.get(region);
        if (list === undefined) byRegion.set(region, (list = []));
        list.push(cell);
      }
      for (const region of unchecked) if (!byRegion.has(region)) byRegion.set(region, []);
      unchecked.clear();
      if (byRegion.size === 0) break; // the answer is exact, and every copy it relied on checked
      // One script call a step on a single Redis, one per region (its shard) on a cluster.
      const groups = this.clustered ? [...byRegion].map((entry) => [entry]) : [[...byRegion]];
      const replies = await Promise.all(
        groups.map((group) => {
          const keys: string[] = [];
          const args: (string | number)[] = [];
          for (const [region, list] of group) {
            keys.push(this.keys.cellsVersion(region));
            for (const c of list) keys.push(this.keys.cell(region, c));
            args.push(list.length, copies.get(region)?.version ?? '');
          }
          return this.redis.rtRead(keys.length, ...keys, ...args);
        }),
      ).catch(unavailable);
      for (let g = 0; g < groups.length; g++) {
        const group = groups[g] as [string, string[]][];
        const rows = replies[g];
        if (typeof rows === 'number') {
          // The copy of this region is out of date: drop it and start again.
          const [region] = group[rows - 1] ?? [''];
          const copy = copies.get(region);
          if (copy) this.copies.drop(region, copy);
          return null;
        }
        let at = 0;
        for (const [, list] of group) {
          for (const cell of list) {
            for (const m of rows?.[at++] ?? []) {
              if (!reader.read(m) || !(reader.updatedMs > cutoff) || (trip >= 0 && reader.tripCode !== trip)) continue;
              search.offer(reader.lat, reader.lng, m, cell);
            }
          }
        }
      }
      if (step === null) break;
    }
    return search.finish(memberToState);
  }

  /** Loads a copy of a region's cell set, in the background: the searches after this one use it. */
  private load(region: string): void {
    if (this.loading.has(region)) return;
    this.loading.add(region);
    this.redis
      .rtOccupancy(this.keys.cellsVersion(region), this.keys.cells(region))
      .then(([version, cells]) =>
        this.copies.set(
          region,
          cellSetCopy(version, cells, (c) => this.blockOf.get(c)),
        ),
      )
      // A failed load leaves the region read whole; the next search tries again.
      .catch(() => undefined)
      .finally(() => this.loading.delete(region));
  }
}
