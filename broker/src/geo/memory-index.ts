import { getHexagonEdgeLengthAvg, gridDistance } from 'h3-js';
import { distanceM } from '@ridetrack/shared';
import { boxHoldsCell, type Box } from './box-cells';
import { CellRollUp } from './cell-counts';
import { NearestFirstSearch } from './nearest-first';
import { RegionOf } from './regions';
import { cachedCentre, diskCoverageM, rankNearby, ReachGuide, ringPlan } from './ring-search';
import { TimeSlice } from '../time-slice';
import type { CellCount, DriverState, GeoIndex, NearbyDriver, NearbyQuery } from './types';

/**
 * The geo-index in this process's memory: the default when no Redis is configured, so the system
 * runs on a machine with nothing installed. Same behaviour as the Redis backend, same test suite.
 */
export class MemoryGeoIndex implements GeoIndex {
  readonly backend = 'memory';
  private readonly drivers = new Map<string, DriverState>();
  private readonly cells = new Map<string, Set<string>>();
  private readonly guide = new ReachGuide();
  private readonly regionOf: RegionOf;
  /**
   * No driver of an index cell is farther than this from the cell's centre: three average edges
   * (a hexagon's corners are one edge from its centre; cells differ in size over the globe).
   */
  private readonly cellReachM: number;

  constructor(
    readonly h3Resolution: number,
    readonly regionResolution: number,
    private readonly staleMs: number,
    private readonly maxRings: number,
  ) {
    this.regionOf = new RegionOf(regionResolution);
    this.cellReachM = 3 * getHexagonEdgeLengthAvg(h3Resolution, 'm');
  }

  upsert(states: readonly DriverState[]): Promise<void> {
    for (const state of states) {
      const prev = this.drivers.get(state.driverId);
      if (prev !== undefined && prev.updatedMs > state.updatedMs) continue;
      if (prev !== undefined && prev.cell !== state.cell) this.leave(prev.cell, state.driverId);
      let members = this.cells.get(state.cell);
      if (members === undefined) this.cells.set(state.cell, (members = new Set()));
      members.add(state.driverId);
      this.drivers.set(state.driverId, state);
    }
    return Promise.resolve();
  }

  get(driverId: string, nowMs: number): Promise<DriverState | null> {
    const state = this.drivers.get(driverId);
    return Promise.resolve(state !== undefined && this.live(state, nowMs) ? state : null);
  }

  /**
   * The same nearest-first search as the Redis backend's, over this process's cells, in slices:
   * the event loop gets a turn between steps when a wide search has run a few milliseconds.
   */
  async nearby(query: NearbyQuery, nowMs: number): Promise<NearbyDriver[]> {
    const plan = ringPlan(query, this.h3Resolution, this.maxRings);
    if (this.cells.size < diskCells(plan.kMax)) return this.nearbyByScan(query, nowMs, plan);
    const search = new NearestFirstSearch<DriverState>(query, this.h3Resolution, this.maxRings, this.guide);
    const slice = new TimeSlice();
    const due = (): boolean => slice.due();
    for (let cells = search.next(due); cells !== null; cells = search.next(due)) {
      for (const cell of cells) {
        for (const id of this.cells.get(cell) ?? []) {
          const state = this.drivers.get(id);
          if (state === undefined || !this.live(state, nowMs)) continue;
          if (query.tripState === undefined || state.tripState === query.tripState)
            search.offer(state.lat, state.lng, state, cell);
        }
      }
      await slice.yieldIfDue();
    }
    return search.finish(keep);
  }

  /**
   * The same answer from the other side: where fewer cells hold drivers than the search's disk has
   * cells (a wide search over a sparse fleet, or an empty area), every occupied cell the disk
   * reaches is read instead of walking its rings, which would work out thousands of cells (and
   * leave them to the garbage collector) to find a few drivers.
   */
  private async nearbyByScan(
    query: NearbyQuery,
    nowMs: number,
    plan: { center: string; edgeM: number; kMax: number },
  ): Promise<NearbyDriver[]> {
    // A search capped at the most rings reads only the cells within them (as the ring walk does).
    const capped = diskCoverageM(plan.kMax, plan.edgeM) < query.radiusM;
    const slice = new TimeSlice();
    const candidates: DriverState[] = [];
    let seen = 0;
    for (const [cell, ids] of this.cells) {
      if ((++seen & 255) === 0) await slice.yieldIfDue();
      if (distanceM(query, cachedCentre(cell)) - this.cellReachM > query.radiusM) continue;
      if (capped && !withinRings(plan.center, cell, plan.kMax)) continue;
      for (const id of ids) {
        const state = this.drivers.get(id);
        if (state !== undefined && this.live(state, nowMs)) candidates.push(state);
      }
    }
    return rankNearby(query, candidates);
  }

  async countBox(box: Box, res: number, nowMs: number): Promise<CellCount[]> {
    const counts = new CellRollUp(res, this.h3Resolution);
    const slice = new TimeSlice();
    let seen = 0;
    for (const [cell, ids] of this.cells) {
      if ((++seen & 255) === 0) await slice.yieldIfDue();
      if (!boxHoldsCell(box, cell)) continue;
      let n = 0;
      for (const id of ids) {
        const state = this.drivers.get(id);
        if (state !== undefined && this.live(state, nowMs)) n++;
      }
      counts.add(cell, n);
    }
    return counts.result();
  }

  regionDrivers(region: string, nowMs: number): Promise<DriverState[]> {
    const out: DriverState[] = [];
    for (const [cell, ids] of this.cells) {
      if (this.regionOf.get(cell) !== region) continue;
      for (const id of ids) {
        const state = this.drivers.get(id);
        if (state !== undefined && this.live(state, nowMs)) out.push(state);
      }
    }
    return Promise.resolve(out);
  }

  regions(): Promise<string[]> {
    return Promise.resolve([...new Set([...this.cells.keys()].map((c) => this.regionOf.get(c)))]);
  }

  regionCounts(nowMs: number): Promise<CellCount[]> {
    const counts = new Map<string, number>();
    for (const state of this.drivers.values()) {
      if (!this.live(state, nowMs)) continue;
      const region = this.regionOf.get(state.cell);
      counts.set(region, (counts.get(region) ?? 0) + 1);
    }
    return Promise.resolve([...counts].map(([cell, count]) => ({ cell, count })));
  }

  /** One process holds every region: its janitor sweeps them all at once (sweep). */
  sweepRegion(region: string, nowMs: number): Promise<number> {
    return this.sweepWhere(nowMs, (state) => this.regionOf.get(state.cell) === region);
  }

  sweep(nowMs: number): Promise<number> {
    return this.sweepWhere(nowMs, () => true);
  }

  private sweepWhere(nowMs: number, where: (state: DriverState) => boolean): Promise<number> {
    let removed = 0;
    for (const [id, state] of this.drivers) {
      if (this.live(state, nowMs) || !where(state)) continue;
      this.leave(state.cell, id);
      this.drivers.delete(id);
      removed++;
    }
    return Promise.resolve(removed);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private live(state: DriverState, nowMs: number): boolean {
    return nowMs - state.updatedMs < this.staleMs;
  }

  private leave(cell: string, driverId: string): void {
    const members = this.cells.get(cell);
    members?.delete(driverId);
    if (members?.size === 0) this.cells.delete(cell);
  }
}

function keep(state: DriverState): DriverState {
  return state;
}

/** Cells in a disk of k rings. */
function diskCells(k: number): number {
  return 3 * k * (k + 1) + 1;
}

/** Whether a cell is at most k steps from the centre (false where H3 cannot say: too far). */
function withinRings(center: string, cell: string, k: number): boolean {
  try {
    return gridDistance(center, cell) <= k;
  } catch {
    return false;
  }
}
