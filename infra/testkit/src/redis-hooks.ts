import { useStarted } from './hooks';
import { startRedisCluster, type TestRedisCluster } from './redis-cluster';
import { startRedis, type TestRedis } from './redis-server';

/**
 * A redis-server of the block's own (for tests that stop it, or need it empty), started before the
 * tests and the brokers registered after it, stopped after them. `restart()` starts a new, empty
 * one on the same port (stopping the current one first, if the test has not already).
 */
export function useRedis(): { readonly server: TestRedis; readonly url: string; restart(): Promise<void> } {
  let restarted: TestRedis | undefined;
  const first = useStarted(
    () => startRedis(),
    async (redis) => {
      await redis.stop();
      await restarted?.stop();
    },
    'the Redis of this block',
  );
  const server = () => restarted ?? first();
  return {
    get server() {
      return server();
    },
    get url() {
      return server().url;
    },
    async restart() {
      const port = server().port;
      await server().stop();
      restarted = await startRedis(port);
    },
  };
}

/** A Redis Cluster of the block's own (three primaries, three replicas), as `useRedis` is. */
export function useRedisCluster(): { readonly cluster: TestRedisCluster } {
  const cluster = useStarted(
    () => startRedisCluster(),
    (c) => c.stop(),
    'the Redis Cluster of this block',
    // Six servers and `redis-cli --cluster create`: about 2 s, far more on a machine busy with tests.
    60_000,
  );
  return {
    get cluster() {
      return cluster();
    },
  };
}
