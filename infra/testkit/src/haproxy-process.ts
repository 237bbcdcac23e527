import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { BrokerProcess } from './broker-process';
import { freePort, listening } from './ports';
import { REPO_ROOT } from './repo-root';

/** The load balancer config the repo ships (infra/haproxy/haproxy.cfg), used unchanged. */
export const HAPROXY_CONFIG = join(REPO_ROOT, 'infra/haproxy/haproxy.cfg');

/** Debian's HAProxy with the shipped config in front of broker nodes, on free loopback ports. */
export interface HaproxyProcess {
  mqttPort: number;
  httpPort: number;
  /** The settings the config reads (RT_LB_*, RT_NODE<i>_*), as given to the process. */
  env: Record<string, string>;
  process: ChildProcess;
  /** `haproxy -c` on the config with these settings: its exit status and output. */
  check(): { status: number | null; output: string };
  stop(): Promise<void>;
}

/** Starts HAProxy in front of these nodes (the config names three) and resolves once both ports accept. */
export async function startHaproxy(nodes: readonly BrokerProcess[]): Promise<HaproxyProcess> {
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const env = {
    RT_LB_BIND: '127.0.0.1',
    RT_LB_MQTT_PORT: String(mqttPort),
    RT_LB_HTTP_PORT: String(httpPort),
    ...Object.fromEntries(
      nodes.flatMap((n, i) => [
        [`RT_NODE${i + 1}_MQTT`, `127.0.0.1:${n.mqttPort}`],
        [`RT_NODE${i + 1}_HTTP`, `127.0.0.1:${n.httpPort}`],
      ]),
    ),
  };
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CONFIG], { env: { ...process.env, ...env }, stdio: 'ignore' });
  await Promise.all([listening(mqttPort), listening(httpPort)]);
  return {
    mqttPort,
    httpPort,
    env,
    process: child,
    check() {
      const run = spawnSync('haproxy', ['-c', '-f', HAPROXY_CONFIG], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      return { status: run.status, output: run.stdout + run.stderr };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill();
      await once(child, 'exit');
    },
  };
}
