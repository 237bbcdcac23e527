import { decodeLocation, encodeLocation, LOCATION_V1_BYTES } from '@ridetrack/shared';
import type { HistoryStore, TrackPoint, TripRecord } from './types';

/** Fixes per chunk: about a minute of a driver at one fix a second. */
const CHUNK_FIXES = 64;
/** Each fix as its 24-byte wire packet and the 8-byte time it was accepted. */
export const MEMORY_BYTES_PER_FIX = LOCATION_V1_BYTES + 8;
const CHUNK_BYTES = CHUNK_FIXES * MEMORY_BYTES_PER_FIX;

/** A run of one driver's fixes, packed: no object per fix, so a long history costs little heap. */
class Chunk {
  readonly receivedMs = new Float64Array(CHUNK_FIXES);
  readonly packets = new Uint8Array(CHUNK_FIXES * LOCATION_V1_BYTES);
  count = 0;
  dropped = false;

  constructor(readonly driverId: string) {}

  get lastMs(): number {
    return this.receivedMs[this.count - 1] ?? Number.NEGATIVE_INFINITY;
  }
}

/**
 * The history in this process, for the embedded mode (no Redis). Tracks are kept for the retention,
 * and within a memory budget: past it the oldest full chunks (whoever's they are) go first, so a
 * long-running broker with a large fleet keeps the most recent hours rather than growing without
 * bound. Nothing here survives a restart.
 */
export class MemoryHistory implements HistoryStore {
  readonly backend = 'memory';
  private readonly tracks = new Map<string, Chunk[]>();
  /** Full chunks in the order they filled: the oldest first, for the memory budget. */
  private full: Chunk[] = [];
  private fullHead = 0;
  private chunks = 0;
  private readonly trips = new Map<string, TripRecord>();
  private readonly tripsByDriver = new Map<string, string[]>();

  constructor(
    readonly retentionMs: number,
    private readonly maxBytes: number,
  ) {}

  /** Bytes held by the tracks' chunks. */
  get bytes(): number {
    return this.chunks * CHUNK_BYTES;
  }

  append(points: readonly TrackPoint[], nowMs: number): Promise<void> {
    for (const p of points) {
      let list = this.tracks.get(p.driverId);
      if (list === undefined) {
        list = [];
        this.tracks.set(p.driverId, list);
      }
      let chunk = list[list.length - 1];
      if (chunk === undefined || chunk.count === CHUNK_FIXES) {
        chunk = new Chunk(p.driverId);
        list.push(chunk);
        this.chunks++;
      }
      // As Redis does with stream IDs: a time before the driver's last one (two nodes' clocks
      // disagreeing) is recorded as that last time, so a track is always in time order.
      const prev = chunk.count > 0 ? chunk.lastMs : (list[list.length - 2]?.lastMs ?? Number.NEGATIVE_INFINITY);
      chunk.receivedMs[chunk.count] = Math.max(p.receivedMs, prev);
      chunk.packets.set(encodeLocation(p.fix), chunk.count * LOCATION_V1_BYTES);
      chunk.count++;
      if (chunk.count === CHUNK_FIXES) this.full.push(chunk);
    }
    while (this.bytes > this.maxBytes && this.evictOldest());
    this.dropExpired(nowMs);
    return Promise.resolve();
  }

  track(driverId: string, fromMs: number, toMs: number, limit: number, nowMs: number): Promise<TrackPoint[]> {
    const from = Math.max(fromMs, nowMs - this.retentionMs);
    const out: TrackPoint[] = [];
    for (const chunk of this.tracks.get(driverId) ?? []) {
      if (chunk.lastMs < from) continue;
      for (let i = 0; i < chunk.count && out.length < limit; i++) {
        const t = chunk.receivedMs[i] ?? 0;
        if (t < from) continue;
        if (t > toMs) return Promise.resolve(out);
        const fix = decodeLocation(chunk.packets.subarray(i * LOCATION_V1_BYTES, (i + 1) * LOCATION_V1_BYTES));
        if (fix.ok) out.push({ driverId, receivedMs: t, fix: fix.value });
      }
      if (out.length >= limit) break;
    }
    return Promise.resolve(out);
  }

  tripStarted(trip: Omit<TripRecord, 'endMs'>, nowMs: number): Promise<void> {
    if (!this.trips.has(trip.tripId) && trip.startMs >= nowMs - this.retentionMs) {
      this.trips.set(trip.tripId, { ...trip, endMs: null });
      const ids = this.tripsByDriver.get(trip.driverId) ?? [];
      ids.push(trip.tripId);
      this.tripsByDriver.set(trip.driverId, ids);
    }
    return Promise.resolve();
  }

  tripEnded(tripId: string, endMs: number): Promise<void> {
    const trip = this.trips.get(tripId);
    if (trip !== undefined) trip.endMs = endMs;
    return Promise.resolve();
  }

  trip(tripId: string, nowMs: number): Promise<TripRecord | null> {
    const trip = this.trips.get(tripId);
    return Promise.resolve(trip !== undefined && this.kept(trip, nowMs) ? { ...trip } : null);
  }

  tripsOf(driverId: string, limit: number, nowMs: number): Promise<TripRecord[]> {
    const out: TripRecord[] = [];
    const ids = this.tripsByDriver.get(driverId) ?? [];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const trip = this.trips.get(ids[i] ?? '');
      if (trip !== undefined && this.kept(trip, nowMs)) out.push({ ...trip });
    }
    return Promise.resolve(out.sort((a, b) => b.startMs - a.startMs));
  }

  sweep(nowMs: number): Promise<void> {
    this.dropExpired(nowMs);
    for (const [driverId, list] of this.tracks) {
      const last = list[list.length - 1];
      if (last === undefined || last.lastMs < nowMs - this.retentionMs) {
        for (const c of list) this.drop(c);
        this.tracks.delete(driverId);
      }
    }
    for (const [driverId, ids] of this.tripsByDriver) {
      const keep = ids.filter((id) => {
        const trip = this.trips.get(id);
        if (trip !== undefined && this.kept(trip, nowMs)) return true;
        this.trips.delete(id);
        return false;
      });
      if (keep.length === 0) this.tripsByDriver.delete(driverId);
      else this.tripsByDriver.set(driverId, keep);
    }
    // The queue of full chunks loses the ones dropped meanwhile, now and then rather than at each drop.
    if (this.fullHead > 1024 || this.full.length > 2 * this.chunks + 1024) {
      this.full = this.full.slice(this.fullHead).filter((c) => !c.dropped);
      this.fullHead = 0;
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.tracks.clear();
    this.trips.clear();
    this.tripsByDriver.clear();
    this.full = [];
    this.chunks = 0;
    return Promise.resolve();
  }

  private kept(trip: TripRecord, nowMs: number): boolean {
    return trip.startMs >= nowMs - this.retentionMs;
  }

  /** Full chunks at the head of each track entirely older than the retention. */
  private dropExpired(nowMs: number): void {
    const cutoff = nowMs - this.retentionMs;
    for (let i = this.fullHead; i < this.full.length; i++) {
      const c = this.full[i] as Chunk;
      if (c.dropped) continue;
      if (c.lastMs >= cutoff) break; // chunks filled in time order: the rest are newer
      this.removeFromTrack(c);
      this.fullHead = i + 1;
    }
  }

  /** The oldest full chunk goes to keep within the budget; false when there is none to drop. */
  private evictOldest(): boolean {
    while (this.fullHead < this.full.length) {
      const c = this.full[this.fullHead++] as Chunk;
      if (c.dropped) continue;
      this.removeFromTrack(c);
      return true;
    }
    return false;
  }

  private removeFromTrack(c: Chunk): void {
    const list = this.tracks.get(c.driverId);
    if (list !== undefined) {
      const at = list.indexOf(c);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.tracks.delete(c.driverId);
    }
    this.drop(c);
  }

  private drop(c: Chunk): void {
    if (c.dropped) return;
    c.dropped = true;
    this.chunks--;
  }
}
