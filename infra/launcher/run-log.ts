import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The log of one `npm start`: everything the terminal does not show (build output, each process's
 * own log lines, paths), one line per entry, prefixed with its source. Written synchronously, so
 * nothing is lost when the launcher exits at once.
 */
export interface RunLog {
  path: string;
  write(source: string, line: string): void;
  close(): void;
}

/** Logs kept in the folder; older ones are removed when a new one starts. */
const KEEP = 10;

export function openRunLog(dir: string, now: Date): RunLog {
  mkdirSync(dir, { recursive: true });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const path = join(dir, `start-${stamp}.log`);
  const fd = openSync(path, 'a');
  const old = readdirSync(dir)
    .filter((f) => /^start-\d{8}-\d{6}\.log$/.test(f))
    .sort()
    .slice(0, -KEEP);
  for (const f of old) rmSync(join(dir, f), { force: true });
  let open = true;
  return {
    path,
    write(source, line) {
      if (open) writeSync(fd, `${new Date().toISOString()} [${source}] ${line}\n`);
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
