import type { Redis } from 'ioredis';
import { CellRollUp } from './cell-counts';
import { geoKeys, type GeoKeys } from './keys';
import { MemberReader, memberToState, stateToMember } from './member';
import { NearestFirstSearch } from './nearest-first';
import { COUNT_LUA, REPLACE_TRIP_LUA, GET_LUA, RELEASE_LUA, SWEEP_LUA, UPSERT_LUA } from './redis-scripts';
import { ReachGuide } from './ring-search';
import { TRIP_STATES } from '@ridetrack/shared';
import { TimeSlice } from '../time-slice';
import {
  IndexUnavailableError,
  type CellCount,
  type DriverState,
  type GeoIndex,
  type NearbyDriver,
  type NearbyQuery,
  type Trip,
} from './types';

/** Updates in one script call: large enough to amortise the call, small enough not to stall Redis. */
const BATCH = 256;
/** Cells the janitor looks at per call, so that no call holds Redis for long. */
const SWEEP_CELLS = 500;
/** Cells counted per script call, for the same reason. */
const COUNT_CELLS = 1000;

/**
 * A failed Redis call, as callers should see it: Redis's own error replies (a bug, or a key of the
 * wrong type) stay what they are; anything else (no connection, a timeout) means the store is away.
 */
function unavailable(err: unknown): never {
  throw err instanceof Error && err.name === 'ReplyError' ? err : new IndexUnavailableError(err);
}

type ScriptRedis = Redis & {
  rtUpsert(...args: (string | number)[]): Promise<number>;
  rtSweep(...args: (string | number)[]): Promise<[string, number]>;
  rtGet(prefix: string, driverId: string): Promise<[string, string] | null>;
  rtCount(...args: (string | number)[]): Promise<number[]>;
  rtRelease(key: string, tripId: string): Promise<number>;
  rtReplaceTrip(key: string, json: string, expectedVersion: number): Promise<number>;
};

/**
 * The geo-index in Redis (ioredis). Writes go as batched Lua calls, sent without waiting for each
 * other, so throughput is bounded by Redis, not by round trips. Each cell is a hash of its drivers'
 * states, so a driver that stays in its cell is one field replaced in place. Reads skip members
 * whose update time (in the member) is older than the staleness window, so a stale driver drops out
 * of every query at its deadline, before the janitor removes it.
 */
export class RedisGeoIndex implements GeoIndex {
  readonly backend = 'redis';
  private readonly keys: GeoKeys;
  private readonly redis: ScriptRedis;
  private readonly guide = new ReachGuide();
  private readonly reader = new MemberReader();

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
    redis.defineCommand('rtGet', { numberOfKeys: 0, lua: GET_LUA });
    redis.defineCommand('rtCount', { numberOfKeys: 0, lua: COUNT_LUA });
    redis.defineCommand('rtRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    redis.defineCommand('rtReplaceTrip', { numberOfKeys: 1, lua: REPLACE_TRIP_LUA });
    this.redis = redis as ScriptRedis;
  }

  /** Key time-to-live: an abandoned cell or driver key outlives the staleness window, then goes. */
  private get ttlMs(): number {
    return this.staleMs * 4;
  }

  /**
   * Each batch of updates goes to Redis as soon as its arguments are built (no pipeline to fill
   * first), so Redis runs one while the next is prepared.
   */
  async upsert(states: readonly DriverState[]): Promise<void> {
    const writes: Promise<number>[] = [];
    for (let i = 0; i < states.length; i += BATCH) {
      const args: (string | number)[] = [this.keys.prefix, this.ttlMs];
      const end = Math.min(i + BATCH, states.length);
      for (let k = i; k < end; k++) {
        const s = states[k] as DriverState;
        args.push(s.driverId, s.cell, stateToMember(s), s.updatedMs);
      }
      writes.push(this.redis.rtUpsert(...args));
    }
    await Promise.all(writes);
  }

  async get(driverId: string, nowMs: number): Promise<DriverState | null> {
    const found = await this.redis.rtGet(this.keys.prefix, driverId).catch(unavailable);
    if (found === null) return null;
    const [cell, member] = found;
    const state = memberToState(member, cell);
    return state !== null && nowMs - state.updatedMs < this.staleMs ? state : null;
  }

  /**
   * A nearest-first search (nearest-first.ts) whose every step reads its cells in one round trip:
   * one HVALS each, which costs Redis about 3 µs for a cell of a dozen drivers. Everything
   * else runs here: the members carry their update time, so stale ones are skipped as they are read,
   * and only the drivers that may rank are decoded.
   */
  async nearby(query: NearbyQuery, nowMs: number): Promise<NearbyDriver[]> {
    const search = new NearestFirstSearch<string>(query, this.h3Resolution, this.maxRings, this.guide);
    const cutoff = nowMs - this.staleMs;
    const trip = query.tripState === undefined ? -1 : TRIP_STATES.indexOf(query.tripState);
    const reader = this.reader;
    const slice = new TimeSlice();
    for (let cells = search.next(); cells !== null; cells = search.next()) {
      // A step that only widened the disk reads nothing: give the loop its turn if one is due.
      if (cells.length === 0) {
        await slice.yieldIfDue();
        continue;
      }
      const rows = await Promise.all(cells.map((cell) => this.redis.hvals(this.keys.cell(cell)))).catch(unavailable);
      for (let i = 0; i < cells.length; i++) {
        const cell = cells[i] as string;
        for (const m of rows[i] ?? []) {
          if (!reader.read(m) || !(reader.updatedMs > cutoff) || (trip >= 0 && reader.tripCode !== trip)) continue;
          search.offer(reader.lat, reader.lng, m, cell);
        }
      }
    }
    return search.finish(memberToState);
  }

  async countCells(indexCells: readonly string[], res: number, nowMs: number): Promise<CellCount[]> {
    const cutoff = nowMs - this.staleMs;
    const chunks: string[][] = [];
    for (let i = 0; i < indexCells.length; i += COUNT_CELLS) chunks.push(indexCells.slice(i, i + COUNT_CELLS));
    const counted = await Promise.all(chunks.map((c) => this.redis.rtCount(this.keys.prefix, cutoff, ...c))).catch(
      unavailable,
    );
    const counts = new CellRollUp(res, this.h3Resolution);
    const slice = new TimeSlice();
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c] ?? [];
      for (let k = 0; k < chunk.length; k++) counts.add(chunk[k] as string, counted[c]?.[k] ?? 0);
      await slice.yieldIfDue();
    }
    return counts.result();
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
    return (await this.redis.set(this.keys.hold(driverId), tripId, 'PX', ttlMs, 'NX').catch(unavailable)) === 'OK';
  }

  async release(driverId: string, tripId: string): Promise<void> {
    await this.redis.rtRelease(this.keys.hold(driverId), tripId).catch(unavailable);
  }

  async saveTrip(trip: Trip, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.trip(trip.id), JSON.stringify(trip), 'PX', ttlMs).catch(unavailable);
  }

  async loadTrip(tripId: string): Promise<Trip | null> {
    const json = await this.redis.get(this.keys.trip(tripId)).catch(unavailable);
    return json === null ? null : (JSON.parse(json) as Trip);
  }

  async replaceTrip(trip: Trip, expectedVersion: number): Promise<boolean> {
    const key = this.keys.trip(trip.id);
    return (await this.redis.rtReplaceTrip(key, JSON.stringify(trip), expectedVersion).catch(unavailable)) === 2;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
