import type { SearchCells } from './nearest-first';

/**
 * A reader's copy of a region's cell set (the cells that may hold drivers: the set holds every
 * cell with a driver, and empty ones until the janitor drops them), with the set's version. The
 * version changes whenever a cell joins the set and a value is never given twice (redis-scripts.ts),
 * so while a region's version is still the copy's, no cell outside the copy holds a driver, and a
 * search may skip those cells: it reads each region's cells with the version it relies on, in one
 * script, and starts again with a fresh copy when the version moved on.
 */
export interface CellSetCopy {
  readonly version: string;
  readonly cells: ReadonlySet<string>;
}

/** Copies of regions' cell sets, the most recently loaded kept when there are too many. */
export class OccupancyCache {
  private readonly copies = new Map<string, CellSetCopy>();

  constructor(private readonly maxRegions = 4096) {}

  get(region: string): CellSetCopy | undefined {
    return this.copies.get(region);
  }

  set(region: string, copy: CellSetCopy): void {
    if (!this.copies.has(region) && this.copies.size >= this.maxRegions)
      this.copies.delete(this.copies.keys().next().value ?? '');
    this.copies.set(region, copy);
  }

  /** Forgets a copy found out of date, unless another search has replaced it meanwhile. */
  drop(region: string, copy: CellSetCopy): void {
    if (this.copies.get(region) === copy) this.copies.delete(region);
  }
}

/**
 * Which cells a search should consider, from the copies it holds of the regions in its reach:
 * where they hold few cells in all (a sparse fleet), just those cells, so the search reads only
 * occupied cells without walking the rings of a wide disk; otherwise the rings, skipping cells the
 * copies show empty (a region without a copy: every cell). `listable`: the query's disk covers its
 * radius (NearestFirstSearch.coversRadius).
 */
export function searchCells(
  reach: readonly string[],
  copies: ReadonlyMap<string, CellSetCopy>,
  regionOf: (cell: string) => string,
  listMax: number,
  listable: boolean,
): SearchCells {
  let total = 0;
  for (const region of reach) total += copies.get(region)?.cells.size ?? Number.POSITIVE_INFINITY;
  if (listable && total <= listMax) {
    const listed: string[] = [];
    for (const region of reach) for (const cell of copies.get(region)?.cells ?? []) listed.push(cell);
    return { listed };
  }
  if (copies.size === 0) return {};
  return {
    occupied: (cell) => {
      const copy = copies.get(regionOf(cell));
      return copy === undefined || copy.cells.has(cell);
    },
  };
}
