import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pagesBuildReason } from './pages-build';

/** A checkout with built pages and one source file, the source `sourceAgeS` older than the build. */
function checkout(sourceAgeS: number | null): string {
  const root = mkdtempSync(join(tmpdir(), 'ridetrack-pages-'));
  mkdirSync(join(root, 'rider-web', 'src', 'ride'), { recursive: true });
  const source = join(root, 'rider-web', 'src', 'ride', 'sheet.ts');
  writeFileSync(source, 'export {};');
  if (sourceAgeS === null) return root;
  mkdirSync(join(root, 'rider-web', 'dist'));
  const built = join(root, 'rider-web', 'dist', 'index.html');
  writeFileSync(built, '<!doctype html>');
  const nowS = Date.now() / 1000;
  utimesSync(built, nowS, nowS);
  utimesSync(source, nowS - sourceAgeS, nowS - sourceAgeS);
  return root;
}

describe('npm start builds the pages', () => {
  it('on the first start', () => {
    expect(pagesBuildReason(checkout(null))).toBe('first start');
  });

  it('again when a source changed after the last build (a git pull), naming it', () => {
    expect(pagesBuildReason(checkout(-60))).toBe('rider-web/src/ride/sheet.ts changed since the last build');
  });

  it('not when the build is newer than every source', () => {
    expect(pagesBuildReason(checkout(60))).toBeUndefined();
  });
});
