import { latLngToCell } from 'h3-js';
import {
  blocksNearestFirst,
  cachedEdgeM,
  cachedRing,
  DESCENDANT_REACH_EDGES,
  diskCoverageM,
  FIRST_RINGS,
  ReachGuide,
  rankNearby,
  ringCellsNearestFirst,
  ringPlan,
  SIZE_MARGIN,
  type CellCentre,
} from './ring-search';
import type { DriverState, NearbyDriver, NearbyQuery } from './types';

/** Metres per radian of arc on the mean Earth (as `distanceM` in @ridetrack/shared). */
const EARTH_DIAMETER_M = 12_742_017.6;
const TO_RAD = Math.PI / 180;
/** Room for the search's own haversine and the exact one to differ in their last bits. */
const SLACK = 1 + 1e-9;
/**
 * New cells one step adds to the disk at most: a step's work stays a few milliseconds, and the
 * backends yield to the event loop between steps, so a wide search over an empty area (a 64-ring
 * disk holds 12,481 cells) never stalls the broker.
 */
const GROW_CELLS = 1024;

/**
 * A nearest-first ring search, without I/O: it says which cells to read, the backend reads them
 * and offers each live driver, and it says when the answer is exact. Both backends run it, so they
 * answer alike; the Redis one reads each step's cells in one round trip.
 *
 * Each step reads every cell that may hold a driver nearer than a target distance (a cell's least
 * possible distance is its centre's distance less its circumradius). The first target is how far
 * the last search in the same area had to look (see ReachGuide); afterwards it is the
 * `limit`-th distance found, or twice the last target while fewer were found. The answer is exact
 * once the `limit`-th distance is no further than the least distance any unread cell may hold.
 *
 *   const search = new NearestFirstSearch(query, res, maxRings, guide);
 *   for (let cells = search.next(due); cells; cells = search.next(due)) { for (...) search.offer(lat, lng, item, cell); await yieldIfDue(); }
 *   return search.finish(decode);
 */
export class NearestFirstSearch<T> {
  private readonly center: string;
  private readonly edgeM: number;
  private readonly kMax: number;
  private readonly area: string;
  private readonly cos0: number;
  /** Drivers that may rank, with the search's distance to each (`dead`: replaced by a newer member). */
  private readonly kept: { d: number; item: T; cell: string; dead?: boolean }[] = [];
  /** Once deduping: each kept driver's entry and version, to keep only its newest member. */
  private readonly byId = new Map<string, { at: number; version: number }>();
  private deduping = false;
  /** The `limit` least distances offered so far, ascending. */
  private readonly top: number[] = [];
  private target: number;
  /** Rings of the disk worked out so far (-1: none yet). */
  private k = -1;
  /** Cells (or blocks, not yet listed) of the rings so far not yet read, nearest first. */
  private unread: Unread[] = [];
  private unreadAt = 0;
  /** What the rings are of: the index's cells, or blocks of them (SearchCells). */
  private readonly walk: { center: string; edgeM: number; reachM: number; kMax: number };
  private readonly blocks: SearchCells['blocks'];

  constructor(
    readonly query: NearbyQuery,
    res: number,
    maxRings: number,
    private readonly guide: ReachGuide,
    /**
     * Where one driver may be offered twice (a sharded index meets a driver crossing regions in
     * both): its id and version (update time). Asked only once `dedupe()` was called.
     */
    private readonly identify: (item: T) => { id: string; version: number } = noIdentity,
    private readonly cells: SearchCells = {},
  ) {
    ({ center: this.center, edgeM: this.edgeM, kMax: this.kMax } = ringPlan(query, res, maxRings));
    this.area = ReachGuide.key(query, this.center);
    this.target = guide.reachM(this.area) ?? diskCoverageM(Math.min(FIRST_RINGS, this.kMax), this.edgeM);
    this.cos0 = Math.cos(query.lat * TO_RAD);
    // Blocks only where the disk covers the radius: a search capped at `maxRings` reads less than
    // the radius, and the blocks would read more.
    const blocks = diskCoverageM(this.kMax, this.edgeM) >= query.radiusM ? cells.blocks : undefined;
    this.blocks = blocks;
    if (blocks === undefined) this.walk = { center: this.center, edgeM: this.edgeM, reachM: 0, kMax: this.kMax };
    else {
      const center = latLngToCell(query.lat, query.lng, blocks.resolution);
      const edgeM = cachedEdgeM(center);
      // A driver is within this of its block's centre; the margin for the grid's size varying.
      const reachM = (DESCENDANT_REACH_EDGES * edgeM) / SIZE_MARGIN;
      let kMax = 0;
      while (diskCoverageM(kMax, edgeM) - reachM < query.radiusM) kMax++;
      this.walk = { center, edgeM, reachM, kMax };
    }
  }

  /**
   * The cells to read next, nearest first; null once the drivers offered are the exact answer.
   * Each call does a bounded amount of work (at most GROW_CELLS new cells of the disk, fewer once
   * `due` says the caller's time slice is spent), so it may return no cells while the disk widens:
   * callers can yield to the event loop between calls.
   */
  next(due: () => boolean = notDue): string[] | null {
    for (;;) {
      let needK = 0;
      while (needK < this.walk.kMax && this.outsideM(needK) < this.target) needK++;
      if (this.k < needK) {
        this.grow(needK, due);
        return this.take();
      }
      const cells = this.take();
      if (cells.length > 0) return cells;
      const unread = this.unreadBound();
      const kth = this.kth();
      if (kth <= unread) return null;
      this.target = kth < Number.POSITIVE_INFINITY ? kth : Math.max(this.target * 2, this.edgeM);
    }
  }

  /** The least distance a driver outside the first k rings of the walk may be at. */
  private outsideM(k: number): number {
    return diskCoverageM(k, this.walk.edgeM) - this.walk.reachM;
  }

  /**
   * Adds the next rings towards `needK`: at most GROW_CELLS cells, and no more once `due` says the
   * caller's slice of time is spent (rings not yet worked out cost about 2 µs a cell; worked out
   * once, they are cached), but at least one ring.
   */
  private grow(needK: number, due: () => boolean): void {
    let to = this.k + 1;
    let added = ringSize(to);
    const rings: CellCentre[][] = [cachedRing(this.walk.center, to)];
    while (to < needK && added + ringSize(to + 1) <= GROW_CELLS && !due()) {
      added += ringSize(++to);
      rings.push(cachedRing(this.walk.center, to));
    }
    const fresh: Unread[] =
      this.blocks === undefined
        ? ringCellsNearestFirst(this.query, rings, this.edgeM, this.cells.occupied)
        : blocksNearestFirst(this.query, rings, this.walk.reachM);
    this.unread = mergeByDistance(this.unread, this.unreadAt, fresh);
    this.unreadAt = 0;
    this.k = to;
  }

  /**
   * The unread cells within the target (GROW_CELLS at most: the rest on the next calls), marked
   * read; a block within the target is replaced by its cells that may hold drivers.
   */
  private take(): string[] {
    const cells: string[] = [];
    for (;;) {
      // Blocks within the target give their cells, ranked and merged in once per round.
      let listed: CellCentre[] | undefined;
      while (this.unreadAt < this.unread.length && cells.length < GROW_CELLS) {
        const c = this.unread[this.unreadAt] as Unread;
        if (c.minM > this.target) break;
        this.unreadAt++;
        if (c.block !== true) cells.push(c.cell);
        else for (const at of this.blocks?.cellsOf(c.cell) ?? []) (listed ??= []).push(at);
      }
      if (listed === undefined) return cells;
      this.unread = mergeByDistance(
        this.unread,
        this.unreadAt,
        ringCellsNearestFirst(this.query, [listed], this.edgeM),
      );
      this.unreadAt = 0;
    }
  }

  /**
   * A live driver of a cell just read, matching the query's status (the backend checks both).
   * Keeps it only while it may still rank.
   */
  offer(lat: number, lng: number, item: T, cell: string): void {
    const a = Math.sin((lat - this.query.lat) * TO_RAD * 0.5);
    const b = Math.sin((lng - this.query.lng) * TO_RAD * 0.5);
    const h = a * a + this.cos0 * Math.cos(lat * TO_RAD) * b * b;
    const d = EARTH_DIAMETER_M * Math.asin(Math.sqrt(Math.min(1, h)));
    let identity: { id: string; version: number } | undefined;
    if (this.deduping) {
      identity = this.identify(item);
      const seen = this.byId.get(identity.id);
      if (seen !== undefined) {
        if (seen.version >= identity.version) return;
        // A newer member of a driver already kept: the old one goes, and the least distances are
        // worked out again without it (rare: a driver caught crossing regions).
        if (seen.at >= 0) {
          (this.kept[seen.at] as { dead?: boolean }).dead = true;
          this.rebuildTop();
        }
      }
      // Remembered even when it does not rank, so that an older member of the driver cannot rank instead.
      this.byId.set(identity.id, { at: -1, version: identity.version });
    }
    if (!(d <= this.query.radiusM * SLACK)) return; // NaN too: a position that does not parse
    const { top } = this;
    const limit = this.query.limit;
    if (top.length >= limit && d > (top[limit - 1] as number) * SLACK) return;
    if (identity !== undefined) this.byId.set(identity.id, { at: this.kept.length, version: identity.version });
    this.kept.push({ d, item, cell });
    if (top.length < limit || d < (top[limit - 1] as number)) {
      let j = top.length < limit ? top.length : limit - 1;
      while (j > 0 && (top[j - 1] as number) > d) {
        top[j] = top[j - 1] as number;
        j--;
      }
      top[j] = d;
    }
  }

  /**
   * From now on a driver may be offered twice (the backend reads cells of more than one region of
   * a sharded index): each is identified, and only its newest member is kept.
   */
  dedupe(): void {
    if (this.deduping) return;
    this.deduping = true;
    for (let i = 0; i < this.kept.length; i++) {
      const k = this.kept[i] as { item: T; dead?: boolean };
      const { id, version } = this.identify(k.item);
      const seen = this.byId.get(id);
      if (seen === undefined) this.byId.set(id, { at: i, version });
      else if (seen.version < version) {
        (this.kept[seen.at] as { dead?: boolean }).dead = true;
        this.byId.set(id, { at: i, version });
      } else k.dead = true;
    }
    this.rebuildTop();
  }

  private rebuildTop(): void {
    const live = this.kept.filter((k) => k.dead !== true).map((k) => k.d);
    live.sort((a, b) => a - b);
    this.top.length = 0;
    this.top.push(...live.slice(0, this.query.limit));
  }

  /** The answer, ranked by exact distance; `decode` turns a kept item into its driver's state. */
  finish(decode: (item: T, cell: string) => DriverState | null): NearbyDriver[] {
    const bound = this.kth() * SLACK;
    const candidates: DriverState[] = [];
    for (const { d, item, cell, dead } of this.kept) {
      if (d > bound || dead === true) continue;
      const state = decode(item, cell);
      if (state !== null) candidates.push(state);
    }
    const found = rankNearby(this.query, candidates);
    this.guide.learn(this.area, this.query, found);
    return found;
  }

  /** The `limit`-th least distance so far; infinite while fewer drivers were offered. */
  private kth(): number {
    return this.top.length >= this.query.limit ? (this.top[this.query.limit - 1] as number) : Number.POSITIVE_INFINITY;
  }

  /** The least distance a driver not yet read may be at; infinite when every cell in reach is read. */
  private unreadBound(): number {
    // Outside the disk, nothing is nearer than its coverage; past the last ring, nothing counts.
    const outside = this.k < this.walk.kMax ? this.outsideM(this.k) : Number.POSITIVE_INFINITY;
    const first = this.unread[this.unreadAt];
    return first === undefined ? outside : Math.min(first.minM, outside);
  }
}

/**
 * What a backend knows of where drivers are, to read fewer cells. `occupied`: whether a cell may
 * hold a driver (false only for a cell known to be empty); the search walks its rings and skips
 * the others. `blocks`: the cells that may hold drivers under each cell at a coarser resolution
 * (a block); the search walks rings of blocks, cached for the few blocks of a city, and ranks only
 * the cells listed under the blocks it reaches, not every cell of a wide disk: where a fleet is
 * sparse its search must look far, and most cells it would work out are empty. Blocks serve only
 * a query whose disk covers its radius; `occupied` the others.
 */
export interface SearchCells {
  occupied?: ((cell: string) => boolean) | undefined;
  blocks?: { resolution: number; cellsOf: (block: string) => readonly CellCentre[] } | undefined;
}

/** A cell of the disk not read yet, or a block whose cells are not listed yet. */
interface Unread {
  cell: string;
  minM: number;
  block?: true;
}

function noIdentity(): never {
  throw new Error('dedupe() needs an identify function');
}

/** Cells in ring k of a hexagonal disk: 1, then 6k. */
function ringSize(k: number): number {
  return k === 0 ? 1 : 6 * k;
}

/** Merges the unread tail of a list and fresh cells, both nearest first. */
function mergeByDistance(list: readonly Unread[], from: number, fresh: readonly Unread[]): Unread[] {
  const out: Unread[] = [];
  let i = from;
  let j = 0;
  while (i < list.length || j < fresh.length) {
    const a = list[i];
    const b = fresh[j];
    if (b === undefined || (a !== undefined && a.minM <= b.minM)) {
      out.push(a as Unread);
      i++;
    } else {
      out.push(b);
      j++;
    }
  }
  return out;
}

function notDue(): boolean {
  return false;
}
