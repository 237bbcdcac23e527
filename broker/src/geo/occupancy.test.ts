import { cellToChildren, cellToParent, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { cellSetCopy, OccupancyCache, searchCells } from './occupancy';
import { cachedCentre } from './ring-search';

const a = latLngToCell(48.85, 2.35, 9);
const b = latLngToCell(48.86, 2.36, 9);
const blockOf = (cell: string) => cellToParent(cell, 8);
const regionOf = (cell: string) => cellToParent(cell, 5);

describe('occupancy', () => {
  it('keeps a copy of a region cell set by block', () => {
    const copy = cellSetCopy('17', [a, b], blockOf);
    expect(copy.version).toBe('17');
    expect([...copy.cells]).toEqual([a, b]);
    expect(copy.blocks.get(blockOf(a))?.map((c) => c.cell)).toContain(a);
    expect(copy.blocks.get(blockOf(b))?.map((c) => c.cell)).toContain(b);
  });

  it('forgets a copy found out of date only if no other search replaced it', () => {
    const cache = new OccupancyCache(2);
    const old = cellSetCopy('1', [a], blockOf);
    const fresh = cellSetCopy('2', [a, b], blockOf);
    cache.set('r', old);
    cache.set('r', fresh);
    cache.drop('r', old);
    expect(cache.get('r')).toBe(fresh);
    cache.drop('r', fresh);
    expect(cache.get('r')).toBeUndefined();
  });

  it('keeps the most recently loaded copies when there are too many', () => {
    const cache = new OccupancyCache(2);
    for (const r of ['r1', 'r2', 'r3']) cache.set(r, cellSetCopy('0', [], blockOf));
    expect([cache.get('r1'), cache.get('r2'), cache.get('r3')].map((c) => c !== undefined)).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('lists the cells a copy holds under a block, and every cell under a block of a region without one', () => {
    const copies = new Map([[regionOf(a), cellSetCopy('1', [a], blockOf)]]);
    const children = (block: string) => cellToChildren(block, 9).map(cachedCentre);
    const walk = searchCells((r) => copies.get(r), regionOf, 8, children).blocks;
    expect(walk?.resolution).toBe(8);
    expect(walk?.cellsOf(blockOf(a)).map((c) => c.cell)).toEqual([a]);
    const elsewhere = latLngToCell(35.68, 139.69, 8);
    expect(walk?.cellsOf(elsewhere)).toEqual(children(elsewhere));
  });

  it('skips cells its copies show empty where it walks rings of cells', () => {
    const copies = new Map([[regionOf(a), cellSetCopy('1', [a], blockOf)]]);
    const occupied = searchCells(
      (r) => copies.get(r),
      regionOf,
      8,
      () => [],
    ).occupied;
    expect(occupied?.(a)).toBe(true);
    expect(occupied?.(cellToChildren(blockOf(a), 9).find((c) => c !== a) ?? '')).toBe(false);
    expect(occupied?.(latLngToCell(35.68, 139.69, 9))).toBe(true);
  });
});
