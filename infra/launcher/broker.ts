import { join } from 'node:path';
import { BROKER_NODE_FLAGS } from '../testkit/src/process-settings';
import type { Children } from './children';

/** A JSON log line of the broker's (pino), or null. */
function pinoLine(line: string): { level: number; msg: string; [k: string]: unknown } | null {
  if (!line.startsWith('{')) return null;
  try {
    const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
    return typeof entry.level === 'number' && typeof entry.msg === 'string'
      ? (entry as { level: number; msg: string })
      : null;
  } catch {
    return null;
  }
}

/**
 * The broker as one of the launcher's children, with these settings; resolves with its ports once
 * it is ready (listening, and its dev env file written). Its log goes to the run log; its warnings
 * and errors also to `notice`, each the same text at most once a minute.
 */
export async function startBrokerChild(
  children: Children,
  where: { node: string; root: string },
  env: NodeJS.ProcessEnv,
  notice: (level: 'warning' | 'error', text: string) => void,
): Promise<{ mqtt: number; http: number }> {
  let ports = { mqtt: 0, http: 0 };
  let ready: () => void = () => undefined;
  const brokerReady = new Promise<void>((resolve) => (ready = resolve));
  const recent = new Map<string, number>();
  children.start(
    'broker',
    where.node,
    [...BROKER_NODE_FLAGS, '--import', 'tsx', join(where.root, 'broker/src/main.ts')],
    { cwd: where.root, env },
    {
      stdout: (line) => {
        const entry = pinoLine(line);
        if (entry === null) return;
        if (entry.msg === 'broker listening') ports = (entry['ports'] as typeof ports | undefined) ?? ports;
        else if (entry.msg === 'ridetrack broker ready') ready();
        else if (entry.level >= 40) {
          const err = (entry['err'] as { message?: string } | undefined)?.message;
          const text = `${entry.msg}${err === undefined ? '' : `: ${err}`}`;
          if (Date.now() - (recent.get(text) ?? 0) < 60_000) return;
          recent.set(text, Date.now());
          notice(entry.level >= 50 ? 'error' : 'warning', text);
        }
      },
    },
  );
  await brokerReady;
  return ports;
}
