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
 * The history (broker/src/history/redis-history.ts; its scripts add the names below too):
 *   {prefix}track:{id}      STREAM the driver's accepted fixes, ID = accept time, field p = the
 *                                  24-byte packet; trimmed to the retention (XADD MINID ~), expires
 *                                  when the driver stays silent for the retention
 *   {prefix}htrip:{id}      HASH   a trip as the history keeps it: driver, rider, start, end
 *   {prefix}htrips:{id}     ZSET   a driver's trip ids by start time
 *   {prefix}conn:{id}       STRING the driver's connection (node, transport, since) as JSON
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

/** The parts of the history's keys after the prefix, which its Lua scripts add too. */
export const TRACK_KEY = 'track:';
export const HISTORY_TRIP_KEY = 'htrip:';
export const HISTORY_TRIPS_KEY = 'htrips:';

export function historyKeys(prefix: string) {
  return {
    prefix,
    track: (driverId: string) => `${prefix}${TRACK_KEY}${driverId}`,
    trip: (tripId: string) => `${prefix}${HISTORY_TRIP_KEY}${tripId}`,
    trips: (driverId: string) => `${prefix}${HISTORY_TRIPS_KEY}${driverId}`,
    connection: (driverId: string) => `${prefix}conn:${driverId}`,
  };
}
