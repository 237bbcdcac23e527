import { cellToParent, getResolution } from 'h3-js';

/** Cells whose region is remembered: a city's cells at resolution 9 are tens of thousands. */
const CACHE_MAX = 200_000;

/**
 * The region of a cell: its parent at the region resolution (the cell itself when it is that coarse
 * already). What shards the geo-index and the operators' fleet stream. Cached per cell: a search
 * asks for the region of each cell it reads.
 */
export class RegionOf {
  private readonly cache = new Map<string, string>();

  constructor(readonly resolution: number) {}

  get(cell: string): string {
    let region = this.cache.get(cell);
    if (region === undefined) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      region = getResolution(cell) <= this.resolution ? cell : cellToParent(cell, this.resolution);
      this.cache.set(cell, region);
    }
    return region;
  }
}
