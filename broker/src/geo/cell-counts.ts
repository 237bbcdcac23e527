import { cellToParent } from 'h3-js';
import type { CellCount } from './types';

/**
 * Live drivers per index-resolution cell, rolled up to `res` (at most the index resolution), as
 * both backends answer a density query. Cells with no drivers are left out. Fed one cell at a
 * time, so a backend can give the event loop a turn between cells of a large area.
 */
export class CellRollUp {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly res: number,
    private readonly indexRes: number,
  ) {}

  add(cell: string, n: number): void {
    if (n === 0) return;
    const parent = this.res === this.indexRes ? cell : cellToParent(cell, this.res);
    this.counts.set(parent, (this.counts.get(parent) ?? 0) + n);
  }

  result(): CellCount[] {
    return [...this.counts].map(([cell, count]) => ({ cell, count }));
  }
}
