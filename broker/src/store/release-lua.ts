/**
 * KEYS[1]: a key one owner holds (a janitor's lease, a driver's hold); ARGV[1]: the owner (a node
 * id, a trip id). Deletes the key only if it is still that owner's: compare-and-delete, the release
 * of every lock-like key in the broker's Redis.
 */
export const RELEASE_IF_OWNER_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
