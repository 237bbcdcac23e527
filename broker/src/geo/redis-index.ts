import { boxHoldsCell, boxMayHoldDescendants, type Box } from './box-cells';
import { CellRollUp } from './cell-counts';
import { memberToState, stateToMember } from './member';
import { RegionOf } from './regions';
import {
  COUNT_LUA,
  LEAVE_LUA,
  OCCUPANCY_LUA,
  POINT_LUA,
  READ_LUA,
  SWEEP_LUA,
  UNPOINT_LUA,
  UPSERT_LUA,
} from './redis-scripts';
import { RedisNearby, type NearbyRedis } from './redis-nearby';
import { geoKeys, type GeoKeys } from '../store/keys';
import type { RedisClient } from '../store/redis-client';
import { TimeSlice } from '../time-slice';
import {
  unavailable,
  type CellCount,
  type DriverState,
  type GeoIndex,
  type NearbyDriver,
  type NearbyQuery,
} from './types';

/** Updates in one script call: large enough to amortise the call, small enough not to stall Redis. */
const BATCH = 256;
/** Cells the janitor looks at per call, so that no call holds Redis for long. */
const SWEEP_CELLS = 500;
/** Cells counted per script call, for the same reason. */
const COUNT_CELLS = 1000;
/** A driver's global pointer (its region) lives this long at least, refreshed every quarter of it. */
const POINTER_TTL_MS = 3_600_000;
/** A writer says again that a region holds drivers this often (the janitors' list of regions). */
const ANNOUNCE_MS = 60_000;

/** Reads of a driver's trail before a driver that keeps moving under the reader is given up. */
const GET_ATTEMPTS = 4;

type Args = (string | number)[];
type ScriptRedis = NearbyRedis & {
  rtUpsert(...args: Args): Promise<[number, string[], string[], string[]]>;
  rtPoint(key: string, updatedMs: number, region: string, ttlMs: number): Promise<[number, string | null]>;
  rtLeave(pointers: string, cellKey: string, driverId: string, cell: string, updatedMs: number): Promise<number>;
  rtUnpoint(key: string, region: string): Promise<number>;
  rtSweep(...args: Args): Promise<[number, string[]]>;
  rtCount(...args: Args): Promise<number[]>;
};

/**
 * The geo-index in Redis or a Redis Cluster (ioredis), sharded by region: a region (an H3 cell at
 * `regionResolution`, a few hundred km² at 5) keeps its drivers' cells under one hash tag, so a move
 * within it is one atomic script on one shard, and a fleet spreads over the shards by where it
 * drives. Each cell is a hash of its drivers' states, so a driver that stays in its cell is one
 * field replaced in place. A driver crossing into another region is written there first; then its
 * global pointer (its region, written only on such moves) is turned to the new region, and the old
 * region drops it if its pointer there still names the old cell and is older. Until then a reader
 * may meet it twice and keeps the newer. Reads skip members older than the staleness window, so a
 * stale driver drops out of every query at its deadline, before the janitor removes it.
 */
export class RedisGeoIndex implements GeoIndex {
  readonly backend = 'redis';
  private readonly keys: GeoKeys;
  private readonly redis: ScriptRedis;
  private readonly search: RedisNearby;
  private readonly regionOf: RegionOf;
  /** When this node last said each region holds drivers. */
  private readonly announced = new Map<string, number>();
  /** Global pointers whose write failed: written again with the next batch. */
  private readonly pointersDue = new Map<string, { region: string; updatedMs: number }>();

  constructor(
    redis: RedisClient,
    prefix: string,
    readonly h3Resolution: number,
    readonly regionResolution: number,
    private readonly staleMs: number,
    maxRings: number,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = geoKeys(prefix);
    this.regionOf = new RegionOf(regionResolution);
    redis.defineCommand('rtUpsert', { lua: UPSERT_LUA });
    redis.defineCommand('rtPoint', { numberOfKeys: 1, lua: POINT_LUA });
    redis.defineCommand('rtLeave', { numberOfKeys: 2, lua: LEAVE_LUA });
    redis.defineCommand('rtUnpoint', { numberOfKeys: 1, lua: UNPOINT_LUA });
    redis.defineCommand('rtSweep', { lua: SWEEP_LUA });
    redis.defineCommand('rtCount', { lua: COUNT_LUA });
    redis.defineCommand('rtRead', { lua: READ_LUA });
    redis.defineCommand('rtOccupancy', { numberOfKeys: 2, lua: OCCUPANCY_LUA });
    this.redis = redis as ScriptRedis;
    this.search = new RedisNearby(this.redis, this.keys, this.regionOf, h3Resolution, staleMs, maxRings);
  }

  /** Key time-to-live: an abandoned cell or region outlives the staleness window, then goes. */
  private get ttlMs(): number {
    return this.staleMs * 4;
  }

  /** Each region's batches go to its shard as soon as their arguments are built. */
  async upsert(states: readonly DriverState[]): Promise<void> {
    const byRegion = new Map<string, DriverState[]>();
    for (const s of states) {
      const region = this.regionOf.get(s.cell);
      let list = byRegion.get(region);
      if (list === undefined) byRegion.set(region, (list = []));
      list.push(s);
    }
    const writes: Promise<void>[] = [];
    for (const [region, list] of byRegion)
      for (let i = 0; i < list.length; i += BATCH) writes.push(this.upsertRegion(region, list.slice(i, i + BATCH)));
    const due = [...this.pointersDue];
    this.pointersDue.clear();
    for (const [id, p] of due) writes.push(this.point(id, p.region, p.updatedMs));
    await Promise.all(writes);
  }

  /**
   * One script call for drivers of one region; drivers whose old cell the call did not name (new to
   * this node) go again with it. Then the global pointers of drivers new to the region, and the
   * regions they left.
   */
  private async upsertRegion(region: string, states: readonly DriverState[], oldCells?: Map<string, string>) {
    const cellIds: string[] = [];
    const slot = new Map<string, number>();
    const slotOf = (cell: string): number => {
      let n = slot.get(cell);
      if (n === undefined) {
        cellIds.push(cell);
        slot.set(cell, (n = cellIds.length));
      }
      return n;
    };
    const drivers: Args = [];
    for (const s of states) {
      drivers.push(s.driverId, slotOf(s.cell), stateToMember(s), s.updatedMs);
      const old = oldCells?.get(s.driverId);
      if (old !== undefined) slotOf(old);
    }
    const keys = [
      this.keys.pointers(region),
      this.keys.cells(region),
      this.keys.cellsVersion(region),
      ...cellIds.map((c) => this.keys.cell(region, c)),
    ];
    const [, fresh, renew, missing] = await this.redis
      .rtUpsert(keys.length, ...keys, this.ttlMs, POINTER_TTL_MS / 4, cellIds.length, ...cellIds, ...drivers)
      .catch(unavailable);
    this.announce(region);
    const byId = new Map(states.map((s) => [s.driverId, s]));
    const follow: Promise<void>[] = [];
    for (const id of [...fresh, ...renew]) {
      const s = byId.get(id);
      if (s !== undefined) follow.push(this.point(id, region, s.updatedMs));
    }
    if (missing.length > 0 && oldCells === undefined) {
      const old = new Map<string, string>();
      for (let i = 0; i < missing.length; i += 2) old.set(missing[i] as string, missing[i + 1] as string);
      follow.push(
        this.upsertRegion(
          region,
          states.filter((s) => old.has(s.driverId)),
          old,
        ),
      );
    }
    await Promise.all(follow);
  }

  /** Turns a driver's global pointer to `region`, and takes it out of the region it names before. */
  private async point(driverId: string, region: string, updatedMs: number): Promise<void> {
    let answer: [number, string | null];
    try {
      answer = await this.redis.rtPoint(this.keys.driverRegion(driverId), updatedMs, region, POINTER_TTL_MS);
    } catch (err) {
      this.pointersDue.set(driverId, { region, updatedMs });
      unavailable(err);
    }
    const [written, other] = answer;
    if (other === null || other === region) return;
    // Written: the driver left `other`. Not written: a later update put it in `other`, and ours,
    // in `region`, is the stale one.
    await (written === 1 ? this.leave(other, driverId, updatedMs) : this.leave(region, driverId, updatedMs));
  }

  /** Removes a driver from a region if what the region holds of it is no newer than `updatedMs`. */
  private async leave(region: string, driverId: string, updatedMs: number): Promise<void> {
    const pointers = this.keys.pointers(region);
    for (let attempt = 0; attempt < 3; attempt++) {
      const p = await this.redis.hget(pointers, driverId).catch(unavailable);
      if (p === null) return;
      const cell = p.slice(p.indexOf('|') + 1);
      const left = await this.redis
        .rtLeave(pointers, this.keys.cell(region, cell), driverId, cell, updatedMs)
        .catch(unavailable);
      if (left !== -1) return;
    }
  }

  /** Says, at most once a minute per region, that a region holds drivers: the janitors sweep those. */
  private announce(region: string): void {
    const nowMs = this.now();
    if (nowMs - (this.announced.get(region) ?? Number.NEGATIVE_INFINITY) < ANNOUNCE_MS) return;
    this.announced.set(region, nowMs);
    this.redis.sadd(this.keys.regions, region).catch(() => this.announced.delete(region));
  }

  /**
   * The driver's state, read region, pointer, member in turn. A move between two of those reads
   * (a write of another node, or of this one) leaves a trail that ends in an emptied cell: read
   * again, a few times, rather than answer "no such driver" for one that is driving. Trips judge
   * their drivers by this read (a null reads as silent), so a miss here once replaced a driver.
   */
  async get(driverId: string, nowMs: number): Promise<DriverState | null> {
    for (let attempt = 0; attempt < GET_ATTEMPTS; attempt++) {
      const read = await this.readOnce(driverId);
      if (read === 'moved') continue;
      return read !== null && nowMs - read.updatedMs < this.staleMs ? read : null;
    }
    return null;
  }

  /** One pass over the driver's trail; 'moved' when it ended before its member (a move in between). */
  private async readOnce(driverId: string): Promise<DriverState | 'moved' | null> {
    const at = await this.redis.get(this.keys.driverRegion(driverId)).catch(unavailable);
    if (at === null) return null;
    const region = at.slice(at.indexOf('|') + 1);
    const p = await this.redis.hget(this.keys.pointers(region), driverId).catch(unavailable);
    if (p === null) return 'moved';
    const cell = p.slice(p.indexOf('|') + 1);
    const member = await this.redis.hget(this.keys.cell(region, cell), driverId).catch(unavailable);
    return member === null ? 'moved' : memberToState(member, cell);
  }

  /** Nearby drivers: redis-nearby.ts. */
  nearby(query: NearbyQuery, nowMs: number): Promise<NearbyDriver[]> {
    return this.search.nearby(query, nowMs);
  }

  async countBox(box: Box, res: number, nowMs: number): Promise<CellCount[]> {
    const cutoff = nowMs - this.staleMs;
    const regions = (await this.regions()).filter((region) => boxMayHoldDescendants(box, region));
    const occupied = await Promise.all(regions.map((r) => this.redis.smembers(this.keys.cells(r)))).catch(unavailable);
    const slice = new TimeSlice();
    const chunks: { region: string; cells: string[] }[] = [];
    for (let r = 0; r < regions.length; r++) {
      const region = regions[r] as string;
      let chunk: string[] = [];
      for (const cell of occupied[r] ?? []) {
        if (!boxHoldsCell(box, cell)) continue;
        if (chunk.length === 0) chunks.push({ region, cells: chunk });
        chunk.push(cell);
        if (chunk.length >= COUNT_CELLS) chunk = [];
      }
      await slice.yieldIfDue();
    }
    const counted = await Promise.all(
      chunks.map(({ region, cells }) =>
        this.redis.rtCount(cells.length, ...cells.map((c) => this.keys.cell(region, c)), cutoff),
      ),
    ).catch(unavailable);
    const counts = new CellRollUp(res, this.h3Resolution);
    for (let c = 0; c < chunks.length; c++) {
      const cells = chunks[c]?.cells ?? [];
      for (let k = 0; k < cells.length; k++) counts.add(cells[k] as string, counted[c]?.[k] ?? 0);
      await slice.yieldIfDue();
    }
    return counts.result();
  }

  async regionDrivers(region: string, nowMs: number): Promise<DriverState[]> {
    const cells = await this.redis.smembers(this.keys.cells(region)).catch(unavailable);
    const rows = await Promise.all(cells.map((c) => this.redis.hvals(this.keys.cell(region, c)))).catch(unavailable);
    const out: DriverState[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < cells.length; i++) {
      for (const m of rows[i] ?? []) {
        const s = memberToState(m, cells[i] as string);
        if (s === null || !(nowMs - s.updatedMs < this.staleMs)) continue;
        // A driver caught in two cells of the region is impossible (moves are atomic); kept safe anyway.
        const at = seen.get(s.driverId);
        if (at === undefined) {
          seen.set(s.driverId, out.length);
          out.push(s);
        } else if ((out[at] as DriverState).updatedMs < s.updatedMs) out[at] = s;
      }
    }
    return out;
  }

  regions(): Promise<string[]> {
    return this.redis.smembers(this.keys.regions).catch(unavailable);
  }

  /** The size of each region's pointer hash: its drivers, stale ones too until they are swept. */
  async regionCounts(): Promise<CellCount[]> {
    const regions = await this.regions();
    const counts = await Promise.all(regions.map((r) => this.redis.hlen(this.keys.pointers(r)))).catch(unavailable);
    return regions.map((cell, i) => ({ cell, count: counts[i] ?? 0 })).filter((r) => r.count > 0);
  }

  /** Sweeps one region in slices of cells; a region left empty leaves the list of regions. */
  async sweepRegion(region: string, nowMs: number): Promise<number> {
    const cutoff = nowMs - this.staleMs;
    const pointers = this.keys.pointers(region);
    const cellSet = this.keys.cells(region);
    const cells = await this.redis.smembers(cellSet).catch(unavailable);
    let removed = 0;
    const gone: string[] = [];
    for (let i = 0; i === 0 || i < cells.length; i += SWEEP_CELLS) {
      const chunk = cells.slice(i, i + SWEEP_CELLS);
      const last = i + SWEEP_CELLS >= cells.length;
      const keys = [pointers, cellSet, ...chunk.map((c) => this.keys.cell(region, c)), this.keys.cellsVersion(region)];
      const [n, left] = await this.redis
        .rtSweep(keys.length, ...keys, cutoff, last ? '1' : '0', ...chunk)
        .catch(unavailable);
      removed += n;
      gone.push(...left);
    }
    await Promise.all(gone.map((id) => this.redis.rtUnpoint(this.keys.driverRegion(id), region))).catch(unavailable);
    if ((await this.redis.exists(pointers).catch(unavailable)) === 0) {
      await this.redis.srem(this.keys.regions, region).catch(unavailable);
      this.announced.delete(region);
    }
    return removed;
  }

  async sweep(nowMs: number): Promise<number> {
    let total = 0;
    for (const region of await this.regions()) total += await this.sweepRegion(region, nowMs);
    return total;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
