import msgpack from 'msgpack-lite';
import type { Cluster } from 'ioredis';
import { retainedFilters } from './memory-store';

/**
 * Where aedes-persistence-redis keeps retained messages: one hash on a single Redis; one key per
 * topic on a Redis Cluster. Values are its msgpack-lite encoding of the packet. These are its own
 * names, which ridetrack writes (batched) and reads (on a cluster) itself: a change in a new version
 * fails the retained tests on both.
 */
export const RETAINED_HASH = 'retained';
export const retainedKey = (topic: string): string => `${RETAINED_HASH}:${encodeURIComponent(topic)}`;
const topicOf = (key: string): string => decodeURIComponent(key.slice(RETAINED_HASH.length + 1));

/** Keys asked of SCAN at a time. */
const SCAN_COUNT = 1000;

export type StoredRetained = { topic: string; payload: Buffer };

/**
 * The retained messages a Redis Cluster holds for the filters. aedes-persistence-redis 11 reads
 * them wrong there: it takes each batch of keys SCAN returns for one key, so a wildcard
 * subscription (`d/+/l`) got none of a batch of two or more (most of them). Exact topics are read
 * by their key; wildcards by a SCAN of every primary for the filters' common prefix, each topic
 * tested against the filters (`+` matching an empty level, as everywhere here) and given once.
 */
export async function* clusterRetained(cluster: Cluster, patterns: readonly string[]): AsyncGenerator<StoredRetained> {
  const sent = new Set<string>();
  const wild: string[] = [];
  for (const p of patterns) {
    const at = firstWildcard(p);
    if (at !== -1) {
      wild.push(p.slice(0, at));
      continue;
    }
    if (sent.has(p)) continue;
    const value = await cluster.getBuffer(retainedKey(p));
    sent.add(p);
    if (value !== null) yield msgpack.decode(value) as StoredRetained;
  }
  if (wild.length === 0) return;
  const filters = retainedFilters(patterns.filter((p) => firstWildcard(p) !== -1));
  // A glob of the prefix: encodeURIComponent leaves only `*` of the glob's special characters.
  const match = `${retainedKey(commonPrefix(wild)).replaceAll('*', '\\*')}*`;
  for (const node of cluster.nodes('master')) {
    for await (const batch of node.scanStream({ match, count: SCAN_COUNT }) as AsyncIterable<string[]>) {
      const keys = batch.filter((key) => {
        const topic = topicOf(key);
        return !sent.has(topic) && filters.test(topic);
      });
      const values = await Promise.all(keys.map((key) => cluster.getBuffer(key)));
      for (const [i, key] of keys.entries()) {
        const value = values[i];
        const topic = topicOf(key);
        if (value === null || value === undefined || sent.has(topic)) continue;
        sent.add(topic);
        yield msgpack.decode(value) as StoredRetained;
      }
    }
  }
}

function firstWildcard(filter: string): number {
  const one = filter.indexOf('+');
  const some = filter.indexOf('#');
  return one === -1 ? some : some === -1 ? one : Math.min(one, some);
}

function commonPrefix(parts: readonly string[]): string {
  let prefix = parts[0] ?? '';
  for (const p of parts) while (!p.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
