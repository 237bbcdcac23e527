/**
 * Loaded with --import into a broker the bench measures (never in production): on SIGUSR2 it
 * collects garbage and prints the process's JavaScript memory (heap used, and memory outside the
 * heap held by its objects) as one JSON line. RSS alone moves by kilobytes per connection between
 * runs; this does not.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

process.on('SIGUSR2', () => {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ memory: { heapUsed, external } })}\n`);
});
