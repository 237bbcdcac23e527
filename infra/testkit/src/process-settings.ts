/*
 * How the broker and Redis are run wherever this repo starts them: the tests, the benches and also
 * `npm start` (infra/launcher imports this file alone, by path, so that starting the system does not
 * load the test kit's browser driver and clients).
 */

/**
 * Node's flags for the broker wherever it is started as a process (also in the Dockerfile, the
 * systemd unit, the Procfile and the broker's `npm start`): a 64 MB young generation, which V8 only
 * takes at start; see broker/README.md, "Run".
 */
export const BROKER_NODE_FLAGS = ['--max-semi-space-size=64'];

/**
 * The setting of infra/redis/redis.conf that the geo-index's speed and memory depend on (see
 * there), for the Redis servers that `npm start` and the benches start without that file. By its
 * older name, which Redis 6 knows and Redis 7 takes for `hash-max-listpack-value`.
 */
export const INDEX_REDIS_SETTINGS: readonly string[] = ['--hash-max-ziplist-value', '160'];
