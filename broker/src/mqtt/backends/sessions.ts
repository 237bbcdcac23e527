import type { RedisClient } from '../../store/redis-client';
import { LRUCache } from 'lru-cache';

/**
 * The client ids that have a persistent session (clean session 0), so CONNACK can say Session
 * Present for one resumed with no subscriptions [MQTT-3.2.2-2]: Aedes counts a session only by its
 * stored subscriptions. Kept where Aedes keeps sessions: in this process alone, in Redis when
 * clustered (any node may resume it).
 */
export interface SessionRegistry {
  /** Whether a persistent session of this client id exists; false when that cannot be known now. */
  has(clientId: string): Promise<boolean>;
  /** A persistent session of this client id begins or resumes. */
  remember(clientId: string): void;
  /** A clean session discards this client id's stored session [MQTT-3.1.2-6]. */
  forget(clientId: string): void;
}

/** Sessions of this process, the most recently used `max` of them. */
export function memorySessions(max = 500_000): SessionRegistry {
  const known = new LRUCache<string, true>({ max });
  return {
    has: (clientId) => Promise.resolve(known.has(clientId)),
    remember: (clientId) => void known.set(clientId, true),
    forget: (clientId) => void known.delete(clientId),
  };
}

/** A session's mark lasts this long after its last connect (Aedes's stored sessions do not expire). */
const SESSION_MARK_MS = 30 * 24 * 3600 * 1000;

/**
 * Sessions shared by every node: one small key per client id (so a cluster spreads them), renewed
 * at each connect. While Redis is away a session cannot be known: `has` answers false.
 */
export function redisSessions(conn: RedisClient, keyPrefix: string, up: () => boolean): SessionRegistry {
  const key = (clientId: string): string => `${keyPrefix}session:{${clientId}}`;
  return {
    async has(clientId) {
      if (!up()) return false;
      try {
        return (await conn.exists(key(clientId))) === 1;
      } catch {
        return false;
      }
    },
    remember(clientId) {
      if (up()) conn.set(key(clientId), '1', 'PX', SESSION_MARK_MS).catch(() => undefined);
    },
    forget(clientId) {
      if (up()) conn.del(key(clientId)).catch(() => undefined);
    },
  };
}
