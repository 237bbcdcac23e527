/**
 * Every Redis key of the geo-index, and nothing else makes one. `prefix` separates deployments
 * (and test files) sharing one Redis.
 *
 *   {prefix}c:{cell}     ZSET  members: each driver's state (member.ts), score = update time (ms)
 *   {prefix}d:{driverId} HASH  c (its cell), m (its member in the cell set), t (update ms),
 *                              r (when its keys' lifetime was last renewed)
 *   {prefix}cells        SET   the cells that hold drivers: what the janitor scans
 *   {prefix}hold:{id}    STRING trip id, with a TTL: a driver reserved by dispatch
 *   {prefix}trip:{id}    STRING the trip as JSON, with a TTL (its rider token's lifetime)
 */
export function geoKeys(prefix: string) {
  return {
    prefix,
    cell: (cell: string) => `${prefix}c:${cell}`,
    driver: (driverId: string) => `${prefix}d:${driverId}`,
    cells: `${prefix}cells`,
    hold: (driverId: string) => `${prefix}hold:${driverId}`,
    trip: (tripId: string) => `${prefix}trip:${tripId}`,
  };
}

export type GeoKeys = ReturnType<typeof geoKeys>;
