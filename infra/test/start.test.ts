import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeLocation } from '@ridetrack/shared';
import { until } from '@ridetrack/testkit';

/**
 * `npm start` as a person runs it: what it prints, the dev env file it leaves for the shell, the
 * system working behind it, and that every way of stopping it (Ctrl-C, SIGTERM, SIGHUP, a second
 * Ctrl-C, a process that fails) leaves no process behind, redis-server included.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

interface Launched {
  launcher: ChildProcessWithoutNullStreams;
  dir: string;
  output: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Launched by a test that failed midway are stopped all the same. */
const launched: Launched[] = [];
afterEach(async () => {
  for (const l of launched.splice(0)) {
    if (l.launcher.exitCode !== null || l.launcher.signalCode !== null) continue;
    l.launcher.kill('SIGTERM');
    await l.exited;
  }
});

/** The launcher itself, or `npm start` (npm, then the launcher, as a person runs it). */
function launch(env: Record<string, string>, through: 'node' | 'npm' = 'node'): Launched {
  const dir = mkdtempSync(join(tmpdir(), 'ridetrack-start-'));
  const [command, args] =
    through === 'npm'
      ? ['npm', ['start', '--silent']]
      : [process.execPath, ['--import', 'tsx', join(ROOT, 'infra/launcher/main.ts')]];
  const launcher = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DRIVERS: '5', RIDETRACK_DIR: dir, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  launcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  launcher.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // Its exit, once its last words are read: the pipes drain after 'exit' (capped, in case a process
  // it left behind holds them open).
  const drained = Promise.all([once(launcher.stdout, 'end'), once(launcher.stderr, 'end')]).catch(() => undefined);
  const exited = (once(launcher, 'exit') as Promise<[number | null, NodeJS.Signals | null]>).then(async (r) => {
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 1000))]);
    return r;
  });
  const l = { launcher, dir, output: () => out, exited };
  launched.push(l);
  return l;
}

async function running(l: Launched): Promise<void> {
  await until(() => /Ctrl-C \(stops.*\n/.test(l.output()) || l.launcher.exitCode !== null, 'npm start', 60_000);
  if (l.launcher.exitCode !== null) throw new Error(`launcher exited: ${l.output()}`);
}

/** Every process below `pid`, from /proc (the launcher's children run in process groups of their own). */
function descendants(pid: number): { pid: number; name: string }[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const name = /\((.*)\)/.exec(stat)?.[1] ?? '';
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [{ pid: Number(d), ppid, name }];
      } catch {
        return [];
      }
    });
  const found: { pid: number; name: string }[] = [];
  const walk = (parent: number) => {
    for (const p of all.filter((x) => x.ppid === parent)) {
      found.push({ pid: p.pid, name: p.name });
      walk(p.pid);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const line = (out: string, label: string): string => out.split('\n').find((l) => l.startsWith(`  ${label}`)) ?? '';

describe('npm start', () => {
  it(
    'prints a few aligned lines, leaves a dev env file the README can source, runs the system, and Ctrl-C stops it all',
    { timeout: 120_000 },
    async () => {
      const l = launch({});
      await running(l);
      const out = l.output();
      const http = /Rider page +http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
      expect(http).toBeDefined();
      const base = `http://127.0.0.1:${http ?? ''}`;

      // What a person sees: the places, the index, the fleet, the tokens' file, the log, how to stop.
      expect(out.split('\n')[0]).toBe('ridetrack · starting');
      expect(line(out, 'Operator map')).toBe(`  Operator map  ${base}/fleet`);
      expect(line(out, 'MQTT')).toMatch(
        /^ {2}MQTT {10}mqtt:\/\/127\.0\.0\.1:\d+ {2}WebSocket ws:\/\/127\.0\.0\.1:\d+\/mqtt$/,
      );
      expect(line(out, 'Geo-index')).toMatch(/^ {2}Geo-index {5}Redis [\d.]+ on port \d+, started for this session$/);
      expect(line(out, 'Drivers')).toBe('  Drivers       5 simulated, drv-00001 … drv-00005');
      expect(line(out, 'Riders')).toBe('  Riders        simulated, asking for a ride every 6 minutes');
      const envFile = join(l.dir, 'dev.env');
      expect(line(out, 'Tokens')).toContain(`source ${envFile}`);
      const logFile = /^ {2}Log {11}(\S+)$/m.exec(out)?.[1] ?? '';
      expect(logFile.startsWith(join(l.dir, 'logs'))).toBe(true);
      expect(line(out, 'Stop')).toMatch(/Ctrl-C/);
      // ... and nothing else: no JSON, no tokens, no build output; the log has those.
      expect(out, out).not.toMatch(/[{}]|eyJ|vite|Redis is starting/);
      // A dozen lines, narrow enough for a terminal (with the usual .ridetrack/ in place of the test's folder).
      const block = out.slice(out.indexOf('ridetrack is running'), out.indexOf('\n', out.indexOf('  Stop')));
      expect(block.split('\n').length, out).toBeLessThanOrEqual(13);
      expect(
        block
          .replaceAll(l.dir, '.ridetrack')
          .split('\n')
          .every((s) => s.length <= 100),
      ).toBe(true);
      const log = readFileSync(logFile, 'utf8');
      expect(log).toMatch(/\[broker\] \{.*"msg":"ridetrack broker ready"/);
      expect(log).toMatch(/\[redis\] .*Ready to accept connections/);
      expect(out.match(new RegExp(logFile.replace(/[.]/g, '\\.'), 'g')), out).toHaveLength(1); // printed once

      // The dev env file: the owner's alone, and a shell takes it as it is (the README's commands).
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      const sourced = await run('bash', [
        '-c',
        `set -eu; source '${envFile}'; curl -sf -H "authorization: Bearer $OPERATOR_TOKEN" "$RIDETRACK_HTTP_URL/healthz"`,
      ]);
      expect(JSON.parse(sourced.stdout)).toMatchObject({ status: 'ok' });
      const env = Object.fromEntries(
        (await run('bash', ['-c', `source '${envFile}'; env`])).stdout
          .split('\n')
          .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
      ) as Record<string, string>;
      expect(env['JWT_SECRET']?.length ?? 0).toBeGreaterThanOrEqual(32);
      for (const name of ['DRIVER_TOKEN', 'RIDER_TOKEN', 'OPERATOR_TOKEN', 'SERVICE_TOKEN'])
        expect(env[name]).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);

      // The fleet comes online and into the index (the operator token from the file).
      const ops = { headers: { authorization: `Bearer ${env['OPERATOR_TOKEN'] ?? ''}` } };
      await until(async () => {
        const cells = (await (await fetch(`${base}/api/cells?bbox=-76.8,39.1,-76.4,39.5&res=6`, ops)).json()) as {
          total?: number;
        };
        return cells.total === 5;
      }, 'the fleet in the index');
      // A rider follows drv-00001 with the file's rider token, over MQTT on WebSocket.
      const rider = await mqtt.connectAsync(env['RIDETRACK_WS_URL'] ?? '', {
        clientId: 'rider:rider-1:smoke',
        username: 'rider',
        password: env['RIDER_TOKEN'] ?? '',
        reconnectPeriod: 0,
      });
      const fix = new Promise<Buffer>((resolve) => rider.once('message', (_t, payload) => resolve(payload)));
      await rider.subscribeAsync('d/drv-00001/l');
      expect(decodeLocation(await fix)).toMatchObject({ ok: true, value: { simulated: true } });
      await rider.endAsync();

      const pids = descendants(l.launcher.pid ?? 0);
      expect(pids.map((p) => p.name)).toEqual(expect.arrayContaining(['redis-server', 'node']));
      l.launcher.kill('SIGINT');
      const [code] = await l.exited;
      expect(code).toBe(0);
      expect(l.output()).toMatch(/ridetrack: stopping \(Ctrl-C; Ctrl-C again to force\)\nridetrack: stopped\n$/);
      // A helper process (esbuild's service under tsx) exits a moment after its parent's pipe closes.
      await until(() => pids.every((p) => !alive(p.pid)), 'every process npm start started to stop', 5000).catch(
        () => undefined,
      );
      expect(pids.filter((p) => alive(p.pid))).toEqual([]);
      expect(existsSync(envFile)).toBe(false); // the secret is gone with the broker
    },
  );

  it.each(['SIGHUP', 'SIGTERM'] as const)(
    '%s stops everything it started, redis-server included',
    { timeout: 90_000 },
    async (signal) => {
      const l = launch({});
      await running(l);
      const pids = descendants(l.launcher.pid ?? 0);
      expect(pids.some((p) => p.name === 'redis-server')).toBe(true);
      expect(pids.filter((p) => p.name === 'node').length).toBeGreaterThanOrEqual(2); // the broker, the fleet
      l.launcher.kill(signal);
      const [code] = await l.exited;
      expect(code).toBe(0);
      // A helper process (esbuild's service under tsx) exits a moment after its parent's pipe closes.
      await until(() => pids.every((p) => !alive(p.pid)), 'every process npm start started to stop', 5000).catch(
        () => undefined,
      );
      expect(pids.filter((p) => alive(p.pid))).toEqual([]);
    },
  );

  it(
    'starts its Redis empty each time: nothing of an earlier session (its trips, the drivers they held) is left',
    { timeout: 150_000 },
    async () => {
      const redisPort = (out: string) => /Redis [\d.]+ on port (\d+)/.exec(out)?.[1] ?? '';
      const first = launch({});
      await running(first);
      await run('redis-cli', ['-p', redisPort(first.output()), 'SET', 'from-the-first-session', '1']);
      first.launcher.kill('SIGINT');
      expect((await first.exited)[0]).toBe(0);
      const second = launch({ RIDETRACK_DIR: first.dir });
      await running(second);
      const { stdout } = await run('redis-cli', ['-p', redisPort(second.output()), 'EXISTS', 'from-the-first-session']);
      expect(stdout.trim()).toBe('0');
      second.launcher.kill('SIGINT');
      await second.exited;
    },
  );

  it('SIGTERM to npm start (as a process manager sends it) stops everything', { timeout: 90_000 }, async () => {
    const l = launch({}, 'npm');
    await running(l);
    const pids = descendants(l.launcher.pid ?? 0);
    expect(pids.some((p) => p.name === 'redis-server')).toBe(true);
    l.launcher.kill('SIGTERM');
    await l.exited;
    await until(() => pids.every((p) => !alive(p.pid)), 'every process npm start started to stop');
  });

  it('a second Ctrl-C kills what has not stopped yet', { timeout: 90_000 }, async () => {
    const l = launch({ SIM_DRIVERS: '0' });
    await running(l);
    const pids = descendants(l.launcher.pid ?? 0);
    const broker = pids.find((p) => p.name === 'node');
    if (broker === undefined) throw new Error('no broker process');
    process.kill(broker.pid, 'SIGSTOP'); // a broker that cannot stop in time
    l.launcher.kill('SIGINT');
    await until(() => l.output().includes('ridetrack: stopping'), 'the first Ctrl-C');
    // One Ctrl-C may reach the launcher twice (the terminal, npm): within half a second it counts once.
    await new Promise((r) => setTimeout(r, 600));
    l.launcher.kill('SIGINT');
    const [code] = await l.exited;
    expect(code).toBe(130);
    expect(l.output()).toContain('ridetrack: forced to stop');
    // A helper process (esbuild's service under tsx) exits a moment after its parent's pipe closes.
    await until(() => pids.every((p) => !alive(p.pid)), 'every process npm start started to stop', 5000).catch(
      () => undefined,
    );
    expect(pids.filter((p) => alive(p.pid))).toEqual([]);
  });

  it('a process that fails is one clear line, and the rest is stopped', { timeout: 90_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const l = launch({ MQTT_PORT: String(port) });
    const pids: { pid: number; name: string }[] = [];
    await until(
      () => {
        pids.push(...descendants(l.launcher.pid ?? 0).filter((p) => !pids.some((q) => q.pid === p.pid)));
        return l.launcher.exitCode !== null;
      },
      'the launcher to give up',
      60_000,
    );
    const [code] = await l.exited;
    taken.close();
    expect(code).toBe(1);
    const errors = l
      .output()
      .split('\n')
      .filter((s) => s.startsWith('ridetrack: '));
    expect(errors[0]).toBe(
      `ridetrack: the broker stopped (exit code 1): listen EADDRINUSE: address already in use 127.0.0.1:${port} (another npm start? set HTTP_PORT and MQTT_PORT to free ports)`,
    );
    expect(errors[1]).toMatch(/^ridetrack: stopping everything; details in .*\.log$/);
    // A helper process (esbuild's service under tsx) exits a moment after its parent's pipe closes.
    await until(() => pids.every((p) => !alive(p.pid)), 'every process npm start started to stop', 5000).catch(
      () => undefined,
    );
    expect(pids.filter((p) => alive(p.pid))).toEqual([]);
  });

  it('a short JWT_SECRET is one line naming the variable and the rule', async () => {
    const l = launch({ JWT_SECRET: 'short' });
    const [code] = await l.exited;
    expect(code).toBe(2);
    expect(l.output()).toBe(
      'ridetrack: JWT_SECRET must be at least 32 characters (or unset it: npm start makes a fresh one each time)\n',
    );
  });
});
