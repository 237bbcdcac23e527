/**
 * Lua run inside Redis, so that each driver moves between cells of a region atomically: no reader
 * ever sees a driver in two cells of one region, or in none. Every key a script touches is one it
 * was given (KEYS), and all of one call's keys carry the region's hash tag, so each call runs on the
 * one shard of a Redis Cluster that holds the region (and on a single Redis alike). Key layout:
 * store/keys.ts; member layout: member.ts.
 */

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

/** A region pointer "{updated ms}|{cell}" split in two. */
const POINTER_LUA = `
local function pointer(p)
  local bar = string.find(p, '|', 1, true)
  return tonumber(string.sub(p, 1, bar - 1)), string.sub(p, bar + 1)
end
`;

/**
 * A new version of a region's cell set, after the script added a cell to it: the server's clock in
 * microseconds, above the version it replaces, so that no value is ever given twice while the key
 * lives. (Readers cache the cell set under its version: see occupancy.ts.) The key goes when the
 * set goes (the janitor deletes it with the set's last cell), and then reads as version 0.
 */
const BUMP_LUA = `
local function bump(key, ttl)
  local t = redis.call('TIME')
  local v = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local old = tonumber(redis.call('GET', key) or '0') or 0
  if v <= old then v = old + 1 end
  redis.call('SET', key, string.format('%.0f', v), 'PX', ttl)
end
`;

/**
 * Moves drivers within one region. KEYS: the region's pointers, its cell set, the cell set's
 * version, then the cells the call may touch (each driver's new cell and, where the caller knows
 * it, its old one). ARGV: ttlMs,
 * pointer quarter ms, how many cells, the cells' ids (in the order of their keys), then (driverId,
 * cell number, member, updatedMs) per driver.
 *
 * A driver in its cell costs three calls: read its pointer, replace its member, write its pointer.
 * A driver whose pointer names a cell the caller did not pass is left as it is and returned, with
 * that cell, so the caller can call again with its key (a driver new to this node). Keys live ttlMs
 * after their last refresh, which happens whenever an update enters a new quarter of ttlMs; the
region's keys (pointers, cell set, version) are refreshed with any cell of theirs.
 *
 * Returns { applied, drivers new to the region, drivers whose global pointer is due a refresh (an
 * update entered a new pointer quarter), { driver, cell } pairs whose old cell was not passed }.
 */
export const UPSERT_LUA = `${POINTER_LUA}${BUMP_LUA}
local ttl = tonumber(ARGV[1])
local quarter = ttl / 4
local pquarter = tonumber(ARGV[2])
local ncells = tonumber(ARGV[3])
local ptrs, cellset, version = KEYS[1], KEYS[2], KEYS[3]
local call, floor = redis.call, math.floor
local slot = {}
for i = 1, ncells do slot[ARGV[3 + i]] = 3 + i end
local applied, fresh, renew, missing = 0, {}, {}, {}
local added, touched = false, false
for i = 4 + ncells, #ARGV, 4 do
  local id, ci, member, ts = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3]
  local t = tonumber(ts)
  local cell = ARGV[3 + ci]
  local ckey = KEYS[3 + ci]
  local prev = call('HGET', ptrs, id)
  local pt, pcell
  if prev then pt, pcell = pointer(prev) end
  if (not pt) or pt <= t then
    if pcell and pcell ~= cell and not slot[pcell] then
      missing[#missing + 1] = id
      missing[#missing + 1] = pcell
    else
      call('HSET', ckey, id, member)
      call('HSET', ptrs, id, ts .. '|' .. cell)
      if pcell ~= cell then
        if pcell then call('HDEL', KEYS[slot[pcell]], id) end
        if call('SADD', cellset, cell) == 1 then added = true end
        call('PEXPIRE', ckey, ttl)
        touched = true
      elseif floor(t / quarter) ~= floor(pt / quarter) then
        -- Listed again too: after a long silence its cell may have expired and left the set.
        if call('SADD', cellset, cell) == 1 then added = true end
        call('PEXPIRE', ckey, ttl)
        touched = true
      end
      if not pt then
        fresh[#fresh + 1] = id
      elseif floor(t / pquarter) ~= floor(pt / pquarter) then
        renew[#renew + 1] = id
      end
      applied = applied + 1
    end
  end
end
if added then bump(version, ttl) end
-- The region's keys live as long as its cells: refreshed with a cell, not on every call (with n
-- nodes a region gets n calls a flush, and three refreshes each made the commands per fix grow
-- with the nodes: docs/scale.md).
if touched then
  call('PEXPIRE', ptrs, ttl)
  call('PEXPIRE', cellset, ttl)
  call('PEXPIRE', version, ttl)
end
return { applied, fresh, renew, missing }
`;

/**
 * A driver's global pointer, naming its region: written when the driver enters a region (and
 * refreshed now and then), never per fix. KEYS: the pointer. ARGV: updatedMs, region, ttlMs.
 * Returns { 1, the region it named before (or nil) } once written, or { 0, region } when it already
 * names a region as of a later update (the caller's write is the stale one).
 */
export const POINT_LUA = `${POINTER_LUA}
local prev = redis.call('GET', KEYS[1])
local pt, pregion
if prev then pt, pregion = pointer(prev) end
if pt and pt > tonumber(ARGV[1]) then return { 0, pregion } end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return { 1, pregion }
`;

/**
 * Takes a driver out of a region it has left, if the region's pointer still names the same cell
 * and is no newer than the caller's update. KEYS: the region's pointers, the cell. ARGV: driverId,
 * cell, updatedMs. Returns 1 (removed), 0 (nothing to remove, or newer there), -1 (it names
 * another cell now: read it again).
 */
export const LEAVE_LUA = `${POINTER_LUA}
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if not prev then return 0 end
local pt, pcell = pointer(prev)
if pcell ~= ARGV[2] then return -1 end
if pt > tonumber(ARGV[3]) then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`;

/** KEYS: a driver's global pointer. ARGV: a region. Deletes it if it names that region. */
export const UNPOINT_LUA = `${POINTER_LUA}
local prev = redis.call('GET', KEYS[1])
if not prev then return 0 end
local _, region = pointer(prev)
if region ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

/** KEYS: cells of one region. ARGV: cutoffMs. Returns, per cell, how many of its drivers were updated after the cutoff. */
export const COUNT_LUA = `${UPDATED_LUA}
local cutoff = tonumber(ARGV[1])
local counts = {}
for i = 1, #KEYS do
  local n = 0
  for _, m in ipairs(redis.call('HVALS', KEYS[i])) do
    if updated(m) > cutoff then n = n + 1 end
  end
  counts[i] = n
end
return counts
`;

/**
 * The janitor, over some cells of one region. KEYS: the region's pointers, its cell set, then the
 * cells, then the cell set's version (deleted with the set's last cell). ARGV: cutoffMs, whether to scan the pointers too (the last call of a pass), then the
 * cells' ids. Removes every driver of these cells updated at or before the cutoff, with its pointer
 * when that still names this cell; forgets cells left empty. With the pointer scan, drops pointers
 * as stale whose member is gone (their cell's key expired). Returns { members removed, drivers
 * that left the region }.
 */
export const SWEEP_LUA = `${UPDATED_LUA}${POINTER_LUA}
local cutoff = tonumber(ARGV[1])
local ptrs, cellset = KEYS[1], KEYS[2]
local removed, gone = 0, {}
for i = 3, #KEYS - 1 do
  local ckey, cell = KEYS[i], ARGV[i]
  local all = redis.call('HGETALL', ckey)
  for j = 1, #all, 2 do
    if not (updated(all[j + 1]) > cutoff) then
      local id = all[j]
      redis.call('HDEL', ckey, id)
      local p = redis.call('HGET', ptrs, id)
      if p then
        local _, pcell = pointer(p)
        if pcell == cell then
          redis.call('HDEL', ptrs, id)
          gone[#gone + 1] = id
        end
      end
      removed = removed + 1
    end
  end
  if redis.call('EXISTS', ckey) == 0 then redis.call('SREM', cellset, cell) end
end
if ARGV[2] == '1' then
  local all = redis.call('HGETALL', ptrs)
  for j = 1, #all, 2 do
    local pt = pointer(all[j + 1])
    if not (pt > cutoff) then
      redis.call('HDEL', ptrs, all[j])
      gone[#gone + 1] = all[j]
    end
  end
end
if redis.call('EXISTS', cellset) == 0 then redis.call('DEL', KEYS[#KEYS]) end
return { removed, gone }
`;

/**
 * A search's read of some cells of one or more regions (one region a call on a Redis Cluster; any
 * on a single Redis), if the reader's copies of the regions' cell sets are still good. KEYS: per
 * region, its cell set's version, then its cells. ARGV: per region, how many cells, and the version
 * the reader's copy is of ('' to read without a copy). Returns each cell's members (HVALS), in the
 * order of KEYS; or, reading nothing, the number (from 1) of the first region whose version moved
 * on: a cell the reader skipped as empty may hold drivers now.
 */
export const READ_LUA = `
local k = 1
for r = 1, #ARGV, 2 do
  local want = ARGV[r + 1]
  if want ~= '' and (redis.call('GET', KEYS[k]) or '0') ~= want then return (r + 1) / 2 end
  k = k + 1 + tonumber(ARGV[r])
end
local out, n = {}, 0
k = 1
for r = 1, #ARGV, 2 do
  for i = k + 1, k + tonumber(ARGV[r]) do
    n = n + 1
    out[n] = redis.call('HVALS', KEYS[i])
  end
  k = k + 1 + tonumber(ARGV[r])
end
return out
`;

/** A region's cell set and its version, read together. KEYS: the version, the cell set. */
export const OCCUPANCY_LUA = `
return { redis.call('GET', KEYS[1]) or '0', redis.call('SMEMBERS', KEYS[2]) }
`;

/**
 * A janitor's lease on a region: taken if free, renewed if this node holds it. KEYS: the lease.
 * ARGV: node id, lease ms. Returns 1 when this node holds it now.
 */
export const LEASE_LUA = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;
