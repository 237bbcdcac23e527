import { cellToParent } from 'h3-js';
import type { CellCount } from './types';

/**
 * Live drivers per index-resolution cell, rolled up to `res` (at most the index resolution), as
 * both backends answer a density query. Cells with no drivers are left out.
 */
export function rollUp(perCell: Iterable<[cell: string, count: number]>, res: number, indexRes: number): CellCount[] {
  const counts = new Map<string, number>();
  for (const [cell, n] of perCell) {
    if (n === 0) continue;
    const parent = res === indexRes ? cell : cellToParent(cell, res);
    counts.set(parent, (counts.get(parent) ?? 0) + n);
  }
  return [...counts].map(([cell, count]) => ({ cell, count }));
}
