/** What the global setup provides to every test file (vitest's `inject`). */
import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** A Redis Cluster of three primaries and three replicas: "127.0.0.1:port,..." (REDIS_CLUSTER_NODES). */
    redisClusterNodes: string;
  }
}
