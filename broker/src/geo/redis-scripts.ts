/**
 * Lua run inside Redis, so that each driver moves between cells atomically: no reader ever sees a
 * driver in two cells or in none. The index is for a single Redis (or a primary with replicas):
 * the scripts touch keys they compute, which Redis Cluster does not allow. Key layout: keys.ts.
 */
import { CELL_KEY, DRIVER_KEY } from './keys';

/**
 * The update time at the end of a member (member.ts), 0 for what is not a member. Times have 13
 * digits until the year 2286: those are read without a pattern, which would scan the member.
 */
const UPDATED_LUA = `
local function updated(m)
  local n = #m
  if string.byte(m, n - 13) == 124 then
    local t = tonumber(string.sub(m, n - 12))
    if t then return t end
  end
  return tonumber(string.match(m, '[^|]*$')) or 0
end
`;

/** The cell a driver's pointer ("{updated ms}|{cell}", keys.ts) names. */
const POINTER_CELL_LUA = `
local function pointerCell(pointer)
  return string.sub(pointer, string.find(pointer, '|', 1, true) + 1)
end
`;

/**
 * ARGV: prefix, ttlMs, then (driverId, cell, member, updatedMs) per driver. Returns how many applied.
 * A driver still in its cell costs three calls: read its pointer, replace its member in the cell's
 * hash, write its pointer. Keys live ttlMs after their last refresh, which happens whenever an
 * update enters a new quarter of ttlMs (so at least every quarter of it while a driver publishes):
 * keys expire once nobody updates them, never under a driver still publishing from one cell.
 */
export const UPSERT_LUA = `
local prefix = ARGV[1]
local ttl = tonumber(ARGV[2])
local quarter = ttl / 4
local cells = prefix .. 'cells'
local find, sub, floor, call = string.find, string.sub, math.floor, redis.call
local applied = 0
for i = 3, #ARGV, 4 do
  local id, cell, member, ts = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local t = tonumber(ts)
  local dkey = prefix .. '${DRIVER_KEY}' .. id
  local prev = call('GET', dkey)
  local pt, pcell
  if prev then
    local bar = find(prev, '|', 1, true)
    pt = tonumber(sub(prev, 1, bar - 1))
    pcell = sub(prev, bar + 1)
  end
  if (not pt) or pt <= t then
    local ckey = prefix .. '${CELL_KEY}' .. cell
    local pointer = ts .. '|' .. cell
    call('HSET', ckey, id, member)
    if pcell ~= cell then
      if pcell then call('HDEL', prefix .. '${CELL_KEY}' .. pcell, id) end
      call('SET', dkey, pointer, 'PX', ttl)
      call('SADD', cells, cell)
      call('PEXPIRE', ckey, ttl)
    elseif floor(t / quarter) ~= floor(pt / quarter) then
      call('SET', dkey, pointer, 'PX', ttl)
      call('PEXPIRE', ckey, ttl)
    else
      call('SET', dkey, pointer, 'KEEPTTL')
    end
    applied = applied + 1
  end
end
return applied
`;

/** ARGV: prefix, driverId. Returns { cell, member } of the driver, or nil. */
export const GET_LUA = `${POINTER_CELL_LUA}
local pointer = redis.call('GET', ARGV[1] .. '${DRIVER_KEY}' .. ARGV[2])
if not pointer then return nil end
local cell = pointerCell(pointer)
local member = redis.call('HGET', ARGV[1] .. '${CELL_KEY}' .. cell, ARGV[2])
if not member then return nil end
return { cell, member }
`;

/**
 * ARGV: prefix, cutoffMs, then cells. Returns, per cell, how many of its drivers were updated after
 * the cutoff.
 */
export const COUNT_LUA = `${UPDATED_LUA}
local prefix, cutoff = ARGV[1], tonumber(ARGV[2])
local counts = {}
for i = 3, #ARGV do
  local n = 0
  for _, m in ipairs(redis.call('HVALS', prefix .. '${CELL_KEY}' .. ARGV[i])) do
    if updated(m) > cutoff then n = n + 1 end
  end
  counts[i - 2] = n
end
return counts
`;

/**
 * The janitor, over a slice of the cells that hold drivers. ARGV: prefix, cutoffMs, cursor, count.
 * Removes every driver of these cells updated at or before the cutoff, with its pointer when that
 * still points to this cell; forgets cells left empty. Returns { next cursor ("0": done), drivers
 * removed }.
 */
export const SWEEP_LUA = `${UPDATED_LUA}${POINTER_CELL_LUA}
local prefix, cutoff = ARGV[1], tonumber(ARGV[2])
local cells = prefix .. 'cells'
local scan = redis.call('SSCAN', cells, ARGV[3], 'COUNT', tonumber(ARGV[4]))
local removed = 0
for _, cell in ipairs(scan[2]) do
  local ckey = prefix .. '${CELL_KEY}' .. cell
  local all = redis.call('HGETALL', ckey)
  for i = 1, #all, 2 do
    if not (updated(all[i + 1]) > cutoff) then
      local id = all[i]
      redis.call('HDEL', ckey, id)
      local dkey = prefix .. '${DRIVER_KEY}' .. id
      local pointer = redis.call('GET', dkey)
      if pointer and pointerCell(pointer) == cell then
        redis.call('DEL', dkey)
      end
      removed = removed + 1
    end
  end
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
 * Replaces a trip if its stored version is the one the caller read (compare-and-set), keeping its
 * time to live: 0 no such trip, 1 the version moved on, 2 replaced.
 */
export const REPLACE_TRIP_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if tonumber(cjson.decode(v).version or 0) ~= tonumber(ARGV[2]) then return 1 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 2
`;
