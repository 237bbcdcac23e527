import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { RunLog } from './run-log';

/**
 * The processes `npm start` runs, in the order started. Each runs in a process group of its own,
 * so a Ctrl-C reaches the launcher alone and the launcher stops them in order (the fleet, the
 * broker, then Redis); their output goes to the run log, line by line.
 */
export interface Child {
  name: string;
  process: ChildProcess;
  /** The last lines the process wrote to stderr: what went wrong, when it exits. */
  lastErrors: string[];
}

export interface ChildLines {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

export class Children {
  private readonly list: Child[] = [];
  private stopping = false;
  /** Processes expected to end by themselves (run()). */
  private readonly tasks = new WeakSet<ChildProcess>();

  constructor(
    private readonly log: RunLog,
    /** A child ended while nobody was stopping it. */
    private readonly onUnexpectedExit: (child: Child, code: number | null, signal: NodeJS.Signals | null) => void,
  ) {}

  start(name: string, command: string, args: readonly string[], options: SpawnOptions, lines: ChildLines = {}): Child {
    this.log.write('launcher', `starting ${name}: ${command} ${args.join(' ')}`);
    const proc = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const child: Child = { name, process: proc, lastErrors: [] };
    this.list.push(child);
    createInterface({ input: proc.stdout }).on('line', (line) => {
      this.log.write(name, line);
      lines.stdout?.(line);
    });
    const errLines = createInterface({ input: proc.stderr });
    errLines.on('line', (line) => {
      this.log.write(name, line);
      if (line.trim() !== '') child.lastErrors = [...child.lastErrors.slice(-4), line];
      lines.stderr?.(line);
    });
    const errRead = once(errLines, 'close');
    proc.once('error', (err) => this.log.write('launcher', `${name} failed to start: ${err.message}`));
    proc.once('exit', (code, signal) => {
      this.log.write('launcher', `${name} (pid ${proc.pid ?? '?'}) exited: ${signal ?? code}`);
      if (this.stopping || this.tasks.has(proc)) return;
      // Its last words may still be in the pipe at 'exit': read to the end (a process it left
      // behind may hold the pipe open, hence the cap) before saying why it stopped.
      void Promise.race([errRead, new Promise((r) => setTimeout(r, 500))]).then(() => {
        if (!this.stopping) this.onUnexpectedExit(child, code, signal);
      });
    });
    this.log.write('launcher', `${name} pid ${proc.pid ?? '?'}`);
    return child;
  }

  /**
   * Runs a one-off task (a build, an export) the same way, its output to the log; resolves with its
   * exit code. A stop stops it too.
   */
  async run(
    name: string,
    command: string,
    args: readonly string[],
    options: SpawnOptions,
  ): Promise<Child & { code: number }> {
    const child = this.start(name, command, args, options);
    this.tasks.add(child.process);
    const [code, signal] = (await once(child.process, 'exit')) as [number | null, NodeJS.Signals | null];
    this.list.splice(this.list.indexOf(child), 1);
    return { ...child, code: code ?? (signal === null ? 1 : 128) };
  }

  /** Stops every child, newest first: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const { name, process: p } of [...this.list].reverse()) {
      if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) continue;
      const exited = once(p, 'exit');
      this.log.write('launcher', `stopping ${name}`);
      p.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.log.write('launcher', `${name} still running after ${graceMs} ms: SIGKILL`);
        p.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    }
  }

  /** SIGKILL to every child still running, at once (a second Ctrl-C); resolves when they are gone. */
  async killAll(): Promise<void> {
    this.stopping = true;
    const running = this.list.map((c) => c.process).filter((p) => p.exitCode === null && p.signalCode === null);
    const exited = running.map((p) => once(p, 'exit'));
    for (const p of running) p.kill('SIGKILL');
    await Promise.all(exited);
  }

  /** The same, without waiting: for the launcher's own exit, when nothing can be awaited. */
  killAllNow(): void {
    for (const { process: p } of this.list) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
}
