/**
 * @ridetrack/testkit: what every package's tests and benchmarks start and wait on. Real processes
 * on loopback (Redis, a Redis Cluster, the broker, the simulator, Mosquitto, HAProxy, Chromium), one
 * `until`, fixtures and token builders. Tests and benches only: apps never import it (ESLint).
 */
import './provided-context';

export { useBrokerProcess, withBrokerProcess, type OwnedBrokerProcess } from './broker-hooks';
export { startBrokerProcess, type BrokerProcess } from './broker-process';
export { launchChromium, useChromium, withChromium } from './browser';
export { ClusterKit, healthOf, metricOf, scrape, tcpUrl, wsUrl } from './cluster-kit';
export { fixOf, packetOf } from './fixtures';
export { HAPROXY_CONFIG, startHaproxy, type HaproxyProcess } from './haproxy-process';
export {
  killed,
  MOSQUITTO_INSTALL,
  mosquittoInstalled,
  startMosquittoProcess,
  type MosquittoProcess,
} from './mosquitto-process';
export { useStarted, type Settings } from './hooks';
export { freePort, listening } from './ports';
export { startRedisCluster, type TestRedisCluster } from './redis-cluster';
export { BROKER_NODE_FLAGS, INDEX_REDIS_SETTINGS } from './process-settings';
export { useRedis, useRedisCluster } from './redis-hooks';
export { startRedis, type TestRedis } from './redis-server';
export { REPO_ROOT } from './repo-root';
export { ARTIFACTS, NO_DEV_ENV, startSimProcess, useSimProcess, WEB_DIR, type SimProcess } from './sim-process';
export { openEvents, type SseEvents } from './sse';
export { driverClaims, inAnHour, operatorClaims, riderClaims, serviceClaims, signToken } from './tokens';
export { until, type UntilOptions } from './until';
