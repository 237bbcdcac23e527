import type { SearchCells } from './nearest-first';
import { cachedCentre, type CellCentre } from './ring-search';

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
  /** The cells under each block, with their centres. */
  readonly blocks: ReadonlyMap<string, readonly CellCentre[]>;
}

export function cellSetCopy(version: string, cells: readonly string[], blockOf: (cell: string) => string): CellSetCopy {
  const blocks = new Map<string, CellCentre[]>();
  for (const cell of cells) {
    const block = blockOf(cell);
    let list = blocks.get(block);
    if (list === undefined) blocks.set(block, (list = []));
    list.push(cachedCentre(cell));
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
 * Which cells a search should consider, from the copies of regions' cell sets it relies on:
 * `copyOf` fixes, the first time the search meets a region, the copy it uses there for its whole
 * length (undefined: none, every cell counts). The search walks blocks, listing the cells each
 * holds, where its disk covers the radius, and otherwise rings of cells, skipping the cells the
 * copies show empty. A block of a region without a copy lists every cell under it (`childrenOf`).
 */
export function searchCells(
  copyOf: (region: string) => CellSetCopy | undefined,
  regionOf: (cell: string) => string,
  blockResolution: number,
  childrenOf: (block: string) => readonly CellCentre[],
): SearchCells {
  return {
    blocks: {
      resolution: blockResolution,
      cellsOf: (block) => {
        const copy = copyOf(regionOf(block));
        return copy === undefined ? childrenOf(block) : (copy.blocks.get(block) ?? []);
      },
    },
    occupied: (cell) => {
      const copy = copyOf(regionOf(cell));
      return copy === undefined || copy.cells.has(cell);
    },
  };
}
