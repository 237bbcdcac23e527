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
 * A nearest-first search in one round trip. ARGV: prefix, cutoffMs, lat, lng, radiusM, limit,
 * tripCode (-1 for any), reachM (no driver outside the cells given is nearer), then (cell, minM)
 * pairs, nearest first, minM being the least distance a driver in that cell can be. Stops at the
 * first cell that cannot hold anyone nearer than the limit-th found so far. Returns "1" if it found
 * `limit` drivers nearer than anything it did not read (then only those that can rank: distance
 * up to the limit-th), else "0" and every driver within the radius in the cells given; then
 * (cell, member, score) triples. The caller ranks exactly, and on "0" may send a wider disk.
 * Written for Redis's Lua 5.1 interpreter, where the work per member is what costs: no table per
 * member, no sort (the `limit` nearest distances are kept in order as they come), library
 * functions in locals.
 */
export const NEARBY_LUA = `
local prefix = ARGV[1]
local cutoff = '(' .. ARGV[2]
local lat0, lng0 = tonumber(ARGV[3]), tonumber(ARGV[4])
local radius, limit, trip = tonumber(ARGV[5]) * 1.000001, tonumber(ARGV[6]), ARGV[7]
local reach = tonumber(ARGV[8])
local find, sub, tonum = string.find, string.sub, tonumber
local sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
local rad = math.pi / 180
local cos0 = cos(lat0 * rad)
local ds, cs, ms, ss, n = {}, {}, {}, {}, 0
local top, tn = {}, 0
local function collect(cell)
  local rows = redis.call('ZRANGEBYSCORE', prefix .. 'c:' .. cell, cutoff, '+inf', 'WITHSCORES')
  for r = 1, #rows, 2 do
    local m = rows[r]
    local f1 = find(m, '|', 1, true)
    local f2 = find(m, '|', f1 + 1, true)
    local f3 = find(m, '|', f2 + 1, true)
    local ok = true
    if trip ~= '-1' then
      local f4 = find(m, '|', f3 + 1, true)
      local f5 = find(m, '|', f4 + 1, true)
      local f6 = find(m, '|', f5 + 1, true)
      ok = sub(m, f6 + 1, f6 + 1) == trip
    end
    if ok then
      local lat = tonum(sub(m, f1 + 1, f2 - 1))
      local dlat = (lat - lat0) * rad * 0.5
      local dlng = (tonum(sub(m, f2 + 1, f3 - 1)) - lng0) * rad * 0.5
      local a, b = sin(dlat), sin(dlng)
      local h = a * a + cos0 * cos(lat * rad) * b * b
      if h > 1 then h = 1 end
      local d = 12742017.6 * asin(sqrt(h))
      if d <= radius then
        n = n + 1
        ds[n], cs[n], ms[n], ss[n] = d, cell, m, rows[r + 1]
        if tn < limit or d < top[tn] then
          local j = tn + 1
          if tn < limit then tn = j else j = tn end
          while j > 1 and top[j - 1] > d do
            top[j] = top[j - 1]
            j = j - 1
          end
          top[j] = d
        end
      end
    end
  end
end
local function reply(status, bound)
  local out, o = { status }, 1
  for k = 1, n do
    if ds[k] <= bound then
      out[o + 1], out[o + 2], out[o + 3] = cs[k], ms[k], ss[k]
      o = o + 3
    end
  end
  return out
end
local i = 9
while i <= #ARGV do
  if tn >= limit and top[limit] < math.min(tonumber(ARGV[i + 1]), reach) then
    return reply('1', top[limit] * 1.000001)
  end
  collect(ARGV[i])
  i = i + 2
end
if tn >= limit and top[limit] < reach then return reply('1', top[limit] * 1.000001) end
return reply('0', math.huge)
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
