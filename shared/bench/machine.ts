import { cpus, totalmem } from 'node:os';

/** One line naming the machine a figure was measured on, for docs/benchmarks.md. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const memGiB = Math.round(totalmem() / 2 ** 30);
  return `${cpu}, ${cpus().length} cores, ${memGiB} GiB, Node ${process.version}, ${process.platform}`;
}
