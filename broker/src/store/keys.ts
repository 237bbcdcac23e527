/**
 * Every Redis key ridetrack makes; nothing else names one. `prefix` separates deployments (and
 * test files) sharing one Redis. A name in braces is a hash tag: keys with the same tag live in the
 * same slot of a Redis Cluster (and so on one shard), which a script touching several needs; on a
 * single Redis the braces are only characters.
 *
 * The geo-index, sharded by region (an H3 cell at the region resolution, GEO_REGION_RESOLUTION):
 *   {prefix}geo:{R}:ptr        HASH   driver id -> "{updated ms}|{cell}": the region's drivers and
 *                                     their cells (HLEN: how many drivers the region holds)
 *   {prefix}geo:{R}:c:{cell}   HASH   driver id -> the driver's state as a member (member.ts)
 *   {prefix}geo:{R}:cells      SET    the region's cells that hold drivers: what its janitor scans
 *   {prefix}geo:{R}:cver       STRING the cell set's version, changed whenever a cell joins it:
 *                                     searches cache the set and skip cells not in it
 *   {prefix}geo:{R}:janitor    STRING the node sweeping the region, with a TTL (its lease)
 *   {prefix}gdrv:{id}          STRING "{updated ms}|{region}": the driver's region, written when it
 *                                     enters one (never per fix), refreshed every quarter of its TTL
 *   {prefix}geo:regions        SET    regions holding drivers (announced by writers once a minute)
 *   {prefix}nodes              ZSET   node id -> last heartbeat ms: the live nodes, for the janitors
 *
 * Dispatch's trip store (broker/src/trips/redis-trip-store.ts; one key a command, so no hash tag):
 *   {prefix}hold:{id}       STRING trip id, with a TTL: a driver reserved by dispatch
 *   {prefix}trip:{id}       STRING the trip as JSON, with a TTL (its rider token's lifetime)
 *
 * The history (broker/src/history/redis-history.ts):
 *   {prefix}track:{id}      STREAM the driver's accepted fixes, ID = accept time, field p = the
 *                                  24-byte packet; trimmed to the retention (XADD MINID ~), expires
 *                                  when the driver stays silent for the retention
 *   {prefix}htrip:{id}      HASH   a trip as the history keeps it: driver, rider, start, end
 *   {prefix}htrips:{id}     ZSET   a driver's trip ids by start time
 *   {prefix}conn:{id}       STRING the driver's connection (node, transport, since) as JSON
 *
 * Routing between nodes (broker/src/routing/) uses channels, not keys:
 *   {prefix}d:{id}          sharded channel: driver id's fixes and presence (SPUBLISH)
 *   {prefix}fleet:{R}       sharded channel: each node's batches of its drivers in region R
 *   {prefix}fleet:watched   HASH   region -> until ms: the regions some console shows
 *   {prefix}mq:{topic}      classic channel: control traffic ($SYS, trips), and every fix while
 *                                  some client anywhere follows the whole fleet over MQTT
 *   {prefix}firehose        HASH   node id -> until ms: nodes with a whole-fleet MQTT subscriber
 *
 * (Before 2026-12 the index kept one cell hash per cell and one pointer per driver under `cell:`
 * and `driver:`, and a `cells` set of the whole fleet; before 2026-11-28 cells were sorted sets
 * under `c:`. New names keep a Redis holding an old layout from answering new scripts with type
 * errors; the old keys expire by themselves.)
 */
export function geoKeys(prefix: string) {
  return {
    prefix,
    pointers: (region: string) => `${prefix}geo:{${region}}:ptr`,
    cell: (region: string, cell: string) => `${prefix}geo:{${region}}:c:${cell}`,
    cells: (region: string) => `${prefix}geo:{${region}}:cells`,
    cellsVersion: (region: string) => `${prefix}geo:{${region}}:cver`,
    lease: (region: string) => `${prefix}geo:{${region}}:janitor`,
    driverRegion: (driverId: string) => `${prefix}gdrv:{${driverId}}`,
    regions: `${prefix}geo:regions`,
    nodes: `${prefix}nodes`,
  };
}

/** Channels between nodes (broker/src/routing/). */
export function channelNames(prefix: string) {
  return {
    driver: (driverId: string) => `${prefix}d:{${driverId}}`,
    fleet: (region: string) => `${prefix}fleet:{${region}}`,
    watched: `${prefix}fleet:watched`,
    classic: (topic: string) => `${prefix}mq:${topic}`,
    classicPrefix: `${prefix}mq:`,
    firehose: `${prefix}firehose`,
  };
}

export type GeoKeys = ReturnType<typeof geoKeys>;

/** Dispatch's trip store (trips/redis-trip-store.ts). */
export function tripKeys(prefix: string) {
  return {
    hold: (driverId: string) => `${prefix}hold:${driverId}`,
    trip: (tripId: string) => `${prefix}trip:${tripId}`,
  };
}

export type TripKeys = ReturnType<typeof tripKeys>;

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
