import calculateSlot from 'cluster-key-slot';
import { isCluster, type RedisClient } from './redis-client';

/**
 * A script that writes a batch of keys of one shard. It declares one key, the batch's first, which
 * routes it; the rest are passed as arguments. On a Redis Cluster they may live in any slot the
 * same primary serves, which the script's flag allows (Redis 7); a key whose slot moved away
 * meanwhile fails the script, and the caller then writes that batch one command at a time, each
 * routed on its own. A single Redis needs no flag (and Redis 6 knows none).
 */
export function shardScript(client: RedisClient, body: string): string {
  return isCluster(client) ? `#!lua flags=allow-cross-slot-keys\n${body}` : body;
}

/**
 * Items grouped by the server that holds their key: one group on a single Redis; on a Redis
 * Cluster, one per primary, as the client's slot table says now. `loose` are items whose slot the
 * table does not know yet (the cluster still connecting): send those one by one.
 */
export function groupByShard<T>(
  client: RedisClient,
  items: readonly T[],
  keyOf: (item: T) => string,
): { groups: T[][]; loose: T[] } {
  if (!isCluster(client)) return { groups: items.length === 0 ? [] : [[...items]], loose: [] };
  const byNode = new Map<string, T[]>();
  const loose: T[] = [];
  for (const item of items) {
    const node = client.slots[calculateSlot(keyOf(item))]?.[0];
    if (node === undefined) {
      loose.push(item);
      continue;
    }
    const group = byNode.get(node);
    if (group === undefined) byNode.set(node, [item]);
    else group.push(item);
  }
  return { groups: [...byNode.values()], loose };
}
