/**
 * Lua run inside Redis, so that each driver moves between cells atomically: no reader ever sees a
 * driver in two cells or in none. The index is for a single Redis (or a primary with replicas):
 * the scripts touch keys they compute, which Redis Cluster does not allow.
 */

/** ARGV: prefix, ttlMs, then (driverId, cell, member, updatedMs) per driver. Returns how many applied. */
export const UPSERT_LUA = `
local prefix = ARGV[1]
local ttl = tonumber(ARGV[2])
local drivers = prefix .. 'drivers'
local applied = 0
for i = 3, #ARGV, 4 do
  local id, cell, member, ts = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local dkey = prefix .. 'd:' .. id
  local prev = redis.call('HMGET', dkey, 'c', 'm', 't')
  if (not prev[3]) or tonumber(prev[3]) <= tonumber(ts) then
    if prev[1] then redis.call('ZREM', prefix .. 'c:' .. prev[1], prev[2]) end
    local ckey = prefix .. 'c:' .. cell
    redis.call('ZADD', ckey, ts, member)
    redis.call('PEXPIRE', ckey, ttl)
    redis.call('HSET', dkey, 'c', cell, 'm', member, 't', ts)
    redis.call('PEXPIRE', dkey, ttl)
    redis.call('ZADD', drivers, ts, id)
    applied = applied + 1
  end
end
return applied
`;

/** ARGV: prefix, cutoffMs, max. Removes drivers last updated before the cutoff. Returns how many. */
export const SWEEP_LUA = `
local prefix = ARGV[1]
local cutoff = tonumber(ARGV[2])
local drivers = prefix .. 'drivers'
local ids = redis.call('ZRANGEBYSCORE', drivers, '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local removed = 0
for _, id in ipairs(ids) do
  local dkey = prefix .. 'd:' .. id
  local prev = redis.call('HMGET', dkey, 'c', 'm', 't')
  if (not prev[3]) or tonumber(prev[3]) < cutoff then
    if prev[1] then redis.call('ZREM', prefix .. 'c:' .. prev[1], prev[2]) end
    redis.call('DEL', dkey)
    redis.call('ZREM', drivers, id)
    removed = removed + 1
  end
end
return removed
`;

/** KEYS[1]: hold key; ARGV[1]: trip id. Deletes the hold only if it is this trip's. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
