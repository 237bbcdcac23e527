/** The parts of the cell and driver keys after the prefix, which the Lua scripts add too. */
export const CELL_KEY = 'cell:';
export const DRIVER_KEY = 'driver:';

/**
 * Every Redis key of the geo-index; nothing else makes one (the scripts of redis-scripts.ts use
 * the two names above). `prefix` separates deployments
 * (and test files) sharing one Redis.
 *
 *   {prefix}cell:{cell}     HASH   driver id -> the driver's state as a member (member.ts)
 *   {prefix}driver:{id}     STRING "{updated ms}|{cell}": where the driver is, and as of when
 *   {prefix}cells           SET    the cells that hold drivers: what the janitor scans
 *   {prefix}hold:{id}       STRING trip id, with a TTL: a driver reserved by dispatch
 *   {prefix}trip:{id}       STRING the trip as JSON, with a TTL (its rider token's lifetime)
 *
 * (Before 2026-11-28 cells were sorted sets under `c:` and drivers hashes under `d:`; the new names
 * keep a Redis holding the old layout from answering the new scripts with type errors.)
 */
export function geoKeys(prefix: string) {
  return {
    prefix,
    cell: (cell: string) => `${prefix}${CELL_KEY}${cell}`,
    driver: (driverId: string) => `${prefix}${DRIVER_KEY}${driverId}`,
    cells: `${prefix}cells`,
    hold: (driverId: string) => `${prefix}hold:${driverId}`,
    trip: (tripId: string) => `${prefix}trip:${tripId}`,
  };
}

export type GeoKeys = ReturnType<typeof geoKeys>;
