import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the pages are built from: a change to any of these after the last build means building again. */
const SOURCES = [
  'rider-web/src',
  'rider-web/index.html',
  'rider-web/fleet.html',
  'rider-web/vite.config.ts',
  'rider-web/scripts',
  'shared/src',
  'package-lock.json',
];

/**
 * Why the pages must be built before starting (undefined: the build is current). A checkout
 * updated by `git pull` keeps its old rider-web/dist: served as it was, it would show the old
 * pages beside a new broker.
 */
export function pagesBuildReason(root: string): string | undefined {
  const built = join(root, 'rider-web', 'dist', 'index.html');
  if (!existsSync(built)) return 'first start';
  const builtMs = statSync(built).mtimeMs;
  for (const source of SOURCES) {
    const changed = newerFile(join(root, source), builtMs);
    if (changed !== undefined) return `${changed.slice(root.length + 1)} changed since the last build`;
  }
  return undefined;
}

/** A file at or under `path` modified after `sinceMs`, if any. */
function newerFile(path: string, sinceMs: number): string | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs > sinceMs ? path : undefined;
  for (const entry of readdirSync(path)) {
    const found = newerFile(join(path, entry), sinceMs);
    if (found !== undefined) return found;
  }
  return undefined;
}
