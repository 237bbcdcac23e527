import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BROKER_NODE_FLAGS } from './process-settings';
import { REPO_ROOT as ROOT } from './repo-root';

/** The broker as its own process (`npm run broker`), for tests of the apps that talk to it. */
export interface BrokerProcess {
  mqttPort: number;
  httpPort: number;
  /** `mqtt://127.0.0.1:<mqttPort>` */
  mqttUrl: string;
  /** `http://127.0.0.1:<httpPort>`, no trailing slash */
  httpUrl: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the broker with these settings (ports 0 unless given) and resolves once it listens. */
export async function startBrokerProcess(env: Record<string, string>): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [...BROKER_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'broker/src/main.ts')], {
    cwd: ROOT,
    // LOG_LEVEL stays info whatever the caller says: the 'broker listening' line is how we learn the ports.
    env: { ...process.env, MQTT_PORT: '0', HTTP_PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its stderr is passed on, and the last lines are kept for the error should it exit as it starts:
  // a runner that shows only the end of its output still says why.
  const lastErr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    lastErr.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
    lastErr.splice(0, Math.max(0, lastErr.length - 10));
  });
  const ports = await new Promise<{ mqtt: number; http: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; level?: number; ports?: { mqtt: number; http: number } };
        if (entry.msg === 'broker listening' && entry.ports) resolve(entry.ports);
        // The broker logs its own errors (a failed start among them) as JSON on stdout.
        else if ((entry.level ?? 0) >= 50) {
          lastErr.push(line.slice(0, 500));
          lastErr.splice(0, Math.max(0, lastErr.length - 10));
        }
      } catch {
        // dev-mode token lines are not JSON
      }
    });
    // 'close', not 'exit': the pipes are drained by then, so the last lines are in the error.
    child.once('close', (code, signal) =>
      reject(
        new Error(
          `broker exited with ${code ?? signal}${lastErr.length === 0 ? '' : `: ${lastErr.slice(-10).join(' | ')}`}`,
        ),
      ),
    );
  });
  child.stdout.resume();
  return {
    mqttPort: ports.mqtt,
    httpPort: ports.http,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await once(child, 'exit');
    },
  };
}
