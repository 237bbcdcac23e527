/**
 * Lua run inside Redis, so that each driver moves between cells atomically: no reader ever sees a
 * driver in two cells or in none. The index is for a single Redis (or a primary with replicas):
 * the scripts touch keys they compute, which Redis Cluster does not allow.
 */

/**
 * ARGV: prefix, ttlMs, then (driverId, cell, member, updatedMs) per driver. Returns how many applied.
 * A driver's keys (its record and its cell) live ttlMs after their last refresh, which its updates
 * make at least every quarter of that: keys expire once nobody updates them, never under a driver
 * still publishing from one cell (which would leave its record gone and its member behind).
 */
export const UPSERT_LUA = `
local prefix = ARGV[1]
local ttl = tonumber(ARGV[2])
local refreshEvery = ttl / 4
local cells = prefix .. 'cells'
local applied = 0
for i = 3, #ARGV, 4 do
  local id, cell, member, ts = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local t = tonumber(ts)
  local dkey = prefix .. 'd:' .. id
  local prev = redis.call('HMGET', dkey, 'c', 'm', 't', 'r')
  if (not prev[3]) or tonumber(prev[3]) <= t then
    local ckey = prefix .. 'c:' .. cell
    if prev[1] then redis.call('ZREM', prefix .. 'c:' .. prev[1], prev[2]) end
    redis.call('ZADD', ckey, ts, member)
    if prev[1] ~= cell or (not prev[4]) or t - tonumber(prev[4]) >= refreshEvery then
      if prev[1] ~= cell then redis.call('SADD', cells, cell) end
      redis.call('PEXPIRE', ckey, ttl)
      redis.call('HSET', dkey, 'c', cell, 'm', member, 't', ts, 'r', ts)
      redis.call('PEXPIRE', dkey, ttl)
    else
      redis.call('HSET', dkey, 'm', member, 't', ts)
    end
    applied = applied + 1
  end
end
return applied
`;

/**
 * The janitor, over a slice of the cells that hold drivers. ARGV: prefix, cutoffMs, cursor, count.
 * Removes every member updated before the cutoff, and its driver's record when that member is
 * still the driver's own (a driver that moved on since keeps its newer record); forgets cells left
 * empty. Returns { next cursor ("0": done), drivers removed }.
 */
export const SWEEP_LUA = `
local prefix = ARGV[1]
local below = '(' .. ARGV[2]
local cells = prefix .. 'cells'
local scan = redis.call('SSCAN', cells, ARGV[3], 'COUNT', tonumber(ARGV[4]))
local removed = 0
for _, cell in ipairs(scan[2]) do
  local ckey = prefix .. 'c:' .. cell
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', ckey, '-inf', below)) do
    local bar = string.find(m, '|', 1, true)
    if bar then
      local dkey = prefix .. 'd:' .. string.sub(m, 1, bar - 1)
      if redis.call('HGET', dkey, 'm') == m then redis.call('DEL', dkey) end
    end
    removed = removed + 1
  end
  redis.call('ZREMRANGEBYSCORE', ckey, '-inf', below)
  if redis.call('EXISTS', ckey) == 0 then redis.call('SREM', cells, cell) end
end
return { scan[1], removed }
`;

/** KEYS[1]: hold key; ARGV[1]: trip id. Deletes the hold only if it is this trip's. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Completes an assigned trip. KEYS: the trip key. ARGV: endedMs. Returns the ended trip as JSON,
 * 0 for an unknown (or expired) trip, 1 for one already ended. Keeps the key's lifetime.
 */
export const END_TRIP_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local trip = cjson.decode(v)
if trip.state ~= 'assigned' then return 1 end
trip.state = 'completed'
trip.endedMs = tonumber(ARGV[1])
local out = cjson.encode(trip)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
return out
`;
