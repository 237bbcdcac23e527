import { cellToChildren } from 'h3-js';
import { TRIP_STATES } from '@ridetrack/shared';
import { MemberReader, memberToState } from './member';
import { NearestFirstSearch } from './nearest-first';
import { cellSetCopy, OccupancyCache, searchCells, type CellSetCopy } from './occupancy';
import { cellsInReach, RegionOf } from './regions';
import { ReachGuide } from './ring-search';
import type { GeoKeys } from '../store/keys';
import type { RedisClient } from '../store/redis-client';
import { TimeSlice } from '../time-slice';
import { unavailable, type NearbyDriver, type NearbyQuery } from './types';

/** Resolutions from the index's to the blocks a copy keeps its cells by (7 cells a block). */
const BLOCK_LEVELS = 1;
/** Searches started again with fresh copies of the cell sets before one reads without them. */
const FRESH_TRIES = 2;

export type NearbyRedis = RedisClient & {
  rtRead(...args: (string | number)[]): Promise<string[][] | null>;
  rtOccupancy(version: string, cells: string): Promise<[string, string[]]>;
};

/**
 * Nearby drivers in the Redis index: the nearest-first search (nearest-first.ts), each of its
 * steps one script call per region it reads (on that region's shard), over the cells that may hold
 * drivers. Each region's cell set is copied once and kept while its version stands; the search
 * skips cells not in the copy, or, where a fleet is sparse, reads just the listed cells. Every read
 * checks the version in the same script, so a skipped cell was empty when the others were read.
 */
export class RedisNearby {
  private readonly guide = new ReachGuide();
  private readonly reader = new MemberReader();
  private readonly copies = new OccupancyCache();
  /** Copies being loaded, shared by the searches that need them. */
  private readonly loading = new Map<string, Promise<CellSetCopy>>();
  /**
   * A copy's cells by block: a resolution above the index's (7 cells; about 0.7 km² at 8), no
   * coarser than the regions, so a block is in one region.
   */
  private readonly blockOf: RegionOf;

  constructor(
    private readonly redis: NearbyRedis,
    private readonly keys: GeoKeys,
    private readonly regionOf: RegionOf,
    private readonly h3Resolution: number,
    private readonly staleMs: number,
    private readonly maxRings: number,
  ) {
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
    // The copies this search relies on, fixed for its length: each read names the version it used.
    const copies = new Map<string, CellSetCopy>();
    let cells = {};
    if (useCopies) {
      const regions = cellsInReach(query, this.regionOf.resolution);
      await Promise.all(regions.map(async (region) => copies.set(region, await this.copy(region))));
      const walkable = NearestFirstSearch.coversRadius(query, this.h3Resolution, this.maxRings);
      cells = searchCells(
        copies,
        (cell) => this.regionOf.get(cell),
        this.blockOf.resolution,
        (block) => cellToChildren(block, this.h3Resolution),
        walkable,
      );
    }
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
    for (let step = search.next(); step !== null; step = search.next()) {
      // A step that only widened the disk reads nothing: give the loop its turn if one is due.
      if (step.length === 0) {
        await slice.yieldIfDue();
        continue;
      }
      const byRegion = new Map<string, string[]>();
      for (const cell of step) {
        const region = this.regionOf.get(cell);
        firstRegion ??= region;
        // Cells of a second region: a driver crossing between them may be in both.
        if (region !== firstRegion) search.dedupe();
        let list = byRegion.get(region);
        if (list === undefined) byRegion.set(region, (list = []));
        list.push(cell);
      }
      const reads = [...byRegion].map(([region, list]) => {
        const keys = [this.keys.cellsVersion(region), ...list.map((c) => this.keys.cell(region, c))];
        return this.redis.rtRead(keys.length, ...keys, copies.get(region)?.version ?? '');
      });
      const rows = await Promise.all(reads).catch(unavailable);
      let r = 0;
      for (const [region, list] of byRegion) {
        const members = rows[r++];
        if (members === null || members === undefined) {
          const copy = copies.get(region);
          if (copy !== undefined) this.copies.drop(region, copy);
          return null;
        }
        for (let i = 0; i < list.length; i++) {
          const cell = list[i] as string;
          for (const m of members[i] ?? []) {
            if (!reader.read(m) || !(reader.updatedMs > cutoff) || (trip >= 0 && reader.tripCode !== trip)) continue;
            search.offer(reader.lat, reader.lng, m, cell);
          }
        }
      }
    }
    return search.finish(memberToState);
  }

  /** This node's copy of a region's cell set, loaded if it has none. */
  private copy(region: string): Promise<CellSetCopy> {
    const held = this.copies.get(region);
    if (held !== undefined) return Promise.resolve(held);
    let pending = this.loading.get(region);
    if (pending === undefined) {
      pending = this.redis
        .rtOccupancy(this.keys.cellsVersion(region), this.keys.cells(region))
        .then(([version, cells]) => {
          const copy = cellSetCopy(version, cells, (cell) => this.blockOf.get(cell));
          this.copies.set(region, copy);
          return copy;
        })
        .catch(unavailable)
        .finally(() => this.loading.delete(region));
      this.loading.set(region, pending);
    }
    return pending;
  }
}
