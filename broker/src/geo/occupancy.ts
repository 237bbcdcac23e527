import type { SearchCells } from './nearest-first';

/**
 * A reader's copy of a region's cell set (the cells that may hold drivers: the set holds every
 * cell with a driver, and empty ones until the janitor drops them), with the set's version. The
 * version changes whenever a cell joins the set and a value is never given twice (redis-scripts.ts),
 * so while a region's version is still the copy's, no cell outside the copy holds a driver, and a
 * search may skip those cells: it reads each region's cells with the version it relies on, in one
 * script, and starts again with a fresh copy when the version moved on. The cells are kept by
 * block (their parent a few resolutions coarser), so a search finds those near it without looking
 * at the whole region.
 */
export interface CellSetCopy {
  readonly version: string;
  readonly cells: ReadonlySet<string>;
  readonly blocks: ReadonlyMap<string, readonly string[]>;
}

export function cellSetCopy(version: string, cells: readonly string[], blockOf: (cell: string) => string): CellSetCopy {
  const blocks = new Map<string, string[]>();
  for (const cell of cells) {
    const block = blockOf(cell);
    let list = blocks.get(block);
    if (list === undefined) blocks.set(block, (list = []));
    list.push(cell);
  }
  return { version, cells: new Set(cells), blocks };
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
 * Which cells a search should consider, from the copies it holds of the regions of the blocks in
 * its reach: where the disk covers the radius (`walkable`, NearestFirstSearch.coversRadius), a walk
 * over blocks that lists the cells each holds; otherwise the rings, skipping the cells the copies
 * show empty. A block of a region without a copy lists every cell under it (`childrenOf`).
 */
export function searchCells(
  copies: ReadonlyMap<string, CellSetCopy>,
  regionOf: (cell: string) => string,
  blockResolution: number,
  childrenOf: (block: string) => readonly string[],
  walkable: boolean,
): SearchCells {
  if (walkable) {
    return {
      blocks: {
        resolution: blockResolution,
        cellsOf: (block) => {
          const copy = copies.get(regionOf(block));
          return copy === undefined ? childrenOf(block) : (copy.blocks.get(block) ?? []);
        },
      },
    };
  }
  if (copies.size === 0) return {};
  return {
    occupied: (cell) => {
      const copy = copies.get(regionOf(cell));
      return copy === undefined || copy.cells.has(cell);
    },
  };
}
