import type { DriverProfile } from '@ridetrack/shared';

/** Letters and digits only, lower case: "3BET 273" and "3bet-273" are the same plate. */
const plateKey = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Driver ids matching what an operator typed, best first: the id itself or the whole plate, then
 * ids starting with it, then drivers whose plate starts with it, whose name (or a word of it) starts
 * with it, or whose car names it ("prius", "red honda"), then ids containing it; case-insensitive,
 * each group in id order, at most `limit`. A profile not known yet (`profileOf` gives undefined)
 * matches by id only. Pure.
 */
export function searchDrivers(
  ids: Iterable<string>,
  query: string,
  limit: number,
  profileOf: (id: string) => DriverProfile | undefined = () => undefined,
): string[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const plateQ = plateKey(q);
  const exact: string[] = [];
  const prefix: string[] = [];
  const byProfile: string[] = [];
  const inside: string[] = [];
  for (const id of ids) {
    const lower = id.toLowerCase();
    const p = profileOf(id);
    const plate = p === undefined ? '' : plateKey(p.plate);
    if (lower === q || (plateQ.length >= 2 && plate === plateQ)) exact.push(id);
    else if (lower.startsWith(q)) prefix.push(id);
    else if (p !== undefined && profileMatches(p, q, plate, plateQ)) byProfile.push(id);
    else if (lower.includes(q)) inside.push(id);
  }
  return [...exact, ...prefix.sort(), ...byProfile.sort(), ...inside.sort()].slice(0, limit);
}

function profileMatches(p: DriverProfile, q: string, plate: string, plateQ: string): boolean {
  if (plateQ.length >= 2 && plate.startsWith(plateQ)) return true;
  if (
    p.name
      .toLowerCase()
      .split(/\s+/)
      .some((word) => word.startsWith(q)) ||
    p.name.toLowerCase().startsWith(q)
  )
    return true;
  return q.length >= 3 && p.car.toLowerCase().includes(q);
}

/** How a found driver is named in the results: "Yusuf · 3BET273". */
export function whoText(p: DriverProfile | undefined): string | undefined {
  return p === undefined ? undefined : `${p.name} · ${p.plate}`;
}
