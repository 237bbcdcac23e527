import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine } from '../../shared/bench/machine';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Appends one run to docs/results/{bench}.jsonl: date, commit, machine, settings, figures. */
export function recordRun(bench: string, settings: object, figures: object): string {
  const file = join(ROOT, 'docs/results', `${bench}.jsonl`);
  mkdirSync(dirname(file), { recursive: true });
  const record = {
    bench,
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: machineLine(),
    settings,
    figures,
  };
  appendFileSync(file, `${JSON.stringify(record)}\n`);
  return file;
}
