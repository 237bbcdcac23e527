import { cellToParent } from 'h3-js';
import type { Redis } from 'ioredis';
import { geoKeys, type GeoKeys } from './keys';
import { memberToState, stateToMember } from './member';
import { END_TRIP_LUA, NEARBY_LUA, RELEASE_LUA, SWEEP_LUA, UPSERT_LUA } from './redis-scripts';
import { cachedDisk, cellsNearestFirst, diskCoverageM, FirstRingsGuide, rankNearby, ringPlan } from './ring-search';
import { TRIP_STATES } from '@ridetrack/shared';
import type { CellCount, DriverState, GeoIndex, NearbyDriver, NearbyQuery, Trip } from './types';

/** Updates sent in one script call: large enough to amortise the call, small enough not to stall Redis. */
const BATCH = 256;
/** Cells the janitor looks at per call, so that no call holds Redis for long. */
const SWEEP_CELLS = 500;

type ScriptRedis = Redis & {
  rtUpsert(...args: (string | number)[]): Promise<number>;
  rtSweep(...args: (string | number)[]): Promise<[string, number]>;
  rtRelease(key: string, tripId: string): Promise<number>;
  rtEndTrip(key: string, endedMs: number): Promise<number | string>;
  rtNearby(...args: (string | number)[]): Promise<string[]>;
};

/**
 * The geo-index in Redis (ioredis). Writes go as batched Lua calls in one pipeline, so throughput is
 * bounded by Redis, not by round trips. Reads filter on the update time stored as each member's
 * score, so a stale driver drops out of every query at its deadline, before the janitor removes it.
 */
export class RedisGeoIndex implements GeoIndex {
  readonly backend = 'redis';
  private readonly keys: GeoKeys;
  private readonly redis: ScriptRedis;
  private readonly guide = new FirstRingsGuide();

  constructor(
    redis: Redis,
    prefix: string,
    readonly h3Resolution: number,
    private readonly staleMs: number,
    private readonly maxRings: number,
  ) {
    this.keys = geoKeys(prefix);
    redis.defineCommand('rtUpsert', { numberOfKeys: 0, lua: UPSERT_LUA });
    redis.defineCommand('rtSweep', { numberOfKeys: 0, lua: SWEEP_LUA });
    redis.defineCommand('rtRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    redis.defineCommand('rtNearby', { numberOfKeys: 0, lua: NEARBY_LUA });
    redis.defineCommand('rtEndTrip', { numberOfKeys: 1, lua: END_TRIP_LUA });
    this.redis = redis as ScriptRedis;
  }

  /** Key time-to-live: an abandoned cell or driver key outlives the staleness window, then goes. */
  private get ttlMs(): number {
    return this.staleMs * 4;
  }

  async upsert(states: readonly DriverState[]): Promise<void> {
    if (states.length === 0) return;
    const pipeline = this.redis.pipeline() as unknown as ScriptRedis;
    for (let i = 0; i < states.length; i += BATCH) {
      const args: (string | number)[] = [this.keys.prefix, this.ttlMs];
      for (const s of states.slice(i, i + BATCH)) args.push(s.driverId, s.cell, stateToMember(s), s.updatedMs);
      void pipeline.rtUpsert(...args);
    }
    const results = (await (pipeline as unknown as ReturnType<Redis['pipeline']>).exec()) ?? [];
    const failed = results.find(([err]) => err !== null);
    if (failed?.[0]) throw failed[0];
  }

  async get(driverId: string, nowMs: number): Promise<DriverState | null> {
    const [cell, member, updated] = await this.redis.hmget(this.keys.driver(driverId), 'c', 'm', 't');
    if (!cell || !member || !updated) return null;
    const updatedMs = Number(updated);
    if (nowMs - updatedMs >= this.staleMs) return null;
    return memberToState(member, cell, updatedMs);
  }

  /**
   * A nearest-first search runs inside Redis; the exact ranking runs here. The first call sends
   * the cells of as many rings as searches nearby needed last time (two at first), nearest first,
   * each with the least distance a driver in it can be; the script stops at the first cell that
   * cannot hold anyone nearer than the `limit` found. When that is not enough, a wider disk follows.
   */
  async nearby(query: NearbyQuery, nowMs: number): Promise<NearbyDriver[]> {
    const { center, edgeM, kMax } = ringPlan(query, this.h3Resolution, this.maxRings);
    const head: (string | number)[] = [
      this.keys.prefix,
      nowMs - this.staleMs,
      query.lat,
      query.lng,
      query.radiusM,
      query.limit,
      query.tripState === undefined ? -1 : TRIP_STATES.indexOf(query.tripState),
    ];
    const area = FirstRingsGuide.key(query, center);
    for (let k = this.guide.rings(area, edgeM, kMax); ; k = Math.min(kMax, k * 2 + 1)) {
      // Nothing outside the disk is nearer than its coverage.
      const args = [...head, diskCoverageM(k, edgeM)];
      for (const { cell, minM } of cellsNearestFirst(query, cachedDisk(center, k))) args.push(cell, minM);
      const [status, ...flat] = await this.redis.rtNearby(...args);
      if (status === '1' || k === kMax) {
        const candidates: DriverState[] = [];
        for (let i = 0; i + 2 < flat.length; i += 3) {
          const state = memberToState(flat[i + 1] ?? '', flat[i] ?? '', Number(flat[i + 2]));
          if (state !== null) candidates.push(state);
        }
        const found = rankNearby(query, candidates);
        this.guide.learn(area, query, found);
        return found;
      }
    }
  }

  async countCells(indexCells: readonly string[], res: number, nowMs: number): Promise<CellCount[]> {
    const pipeline = this.redis.pipeline();
    const cutoff = `(${nowMs - this.staleMs}`;
    for (const cell of indexCells) pipeline.zcount(this.keys.cell(cell), cutoff, '+inf');
    const results = (await pipeline.exec()) ?? [];
    const counts = new Map<string, number>();
    results.forEach(([err, n], i) => {
      if (err) throw err;
      const cell = indexCells[i];
      if (cell === undefined || typeof n !== 'number' || n === 0) return;
      const parent = res === this.h3Resolution ? cell : cellToParent(cell, res);
      counts.set(parent, (counts.get(parent) ?? 0) + n);
    });
    return [...counts].map(([cell, count]) => ({ cell, count }));
  }

  async sweep(nowMs: number): Promise<number> {
    let total = 0;
    let cursor = '0';
    do {
      const [next, removed] = await this.redis.rtSweep(this.keys.prefix, nowMs - this.staleMs, cursor, SWEEP_CELLS);
      total += removed;
      cursor = next;
    } while (cursor !== '0');
    return total;
  }

  async hold(driverId: string, tripId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.hold(driverId), tripId, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async release(driverId: string, tripId: string): Promise<void> {
    await this.redis.rtRelease(this.keys.hold(driverId), tripId);
  }

  async saveTrip(trip: Trip, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.trip(trip.id), JSON.stringify(trip), 'PX', ttlMs);
  }

  async loadTrip(tripId: string): Promise<Trip | null> {
    const json = await this.redis.get(this.keys.trip(tripId));
    return json === null ? null : (JSON.parse(json) as Trip);
  }

  async endTrip(tripId: string, endedMs: number): Promise<Trip | 'unknown_trip' | 'already_ended'> {
    const out = await this.redis.rtEndTrip(this.keys.trip(tripId), endedMs);
    if (out === 0) return 'unknown_trip';
    if (out === 1) return 'already_ended';
    return JSON.parse(String(out)) as Trip;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
