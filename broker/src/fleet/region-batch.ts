import { cellToParent, getResolution, isValidCell } from 'h3-js';
import type { FleetRow } from '@ridetrack/shared';

/**
 * What a node tells the operators' consoles about its own drivers in one region, twice a second,
 * on the region's channel: the drivers whose fix or presence changed (fleet rows,
 * shared/src/fleet.ts), the drivers that left the region, and how many simulated fixes it took
 * there (a running simulation's rate). JSON: a console's node reads it once per batch.
 */
export interface RegionBatch {
  node: string;
  rows: FleetRow[];
  gone: string[];
  simFixes: number;
}

export function encodeBatch(batch: RegionBatch): string {
  return JSON.stringify(batch);
}

/** A batch as another node sent it; null if it is not one. Rows are checked one by one by their reader. */
export function decodeBatch(text: string): RegionBatch | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { node, rows, gone, simFixes } = value as Record<string, unknown>;
  if (typeof node !== 'string' || !Array.isArray(rows) || !Array.isArray(gone) || typeof simFixes !== 'number')
    return null;
  if (!gone.every((g) => typeof g === 'string')) return null;
  return { node, rows: rows as FleetRow[], gone, simFixes };
}

export type RegionsReason = 'bad_region' | 'too_many_regions';

/**
 * The regions a fleet view names (`?regions=a,b,c`): H3 cells at the region resolution, a finer
 * cell standing for its region. An empty list is allowed (a view too wide for drivers: the
 * stream's stats only). Pure.
 */
export function parseRegions(
  text: string,
  regionRes: number,
  max: number,
): { ok: true; value: string[] } | { ok: false; reason: RegionsReason } {
  if (text.trim() === '') return { ok: true, value: [] };
  const parts = text.split(',');
  if (parts.length > max * 4) return { ok: false, reason: 'too_many_regions' };
  const out = new Set<string>();
  for (const part of parts) {
    const cell = part.trim().toLowerCase();
    if (!isValidCell(cell) || getResolution(cell) < regionRes) return { ok: false, reason: 'bad_region' };
    out.add(getResolution(cell) === regionRes ? cell : cellToParent(cell, regionRes));
  }
  return out.size > max ? { ok: false, reason: 'too_many_regions' } : { ok: true, value: [...out] };
}
