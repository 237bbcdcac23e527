import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm start -- --city', () => {
  it('refuses a file that is not a city in one line and exit 2, before starting anything', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ridetrack-start-city-'));
    const file = join(dir, 'notes.osm.pbf');
    writeFileSync(file, 'these are my notes, not a map');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/launcher/main.ts'), '--city', file], {
      cwd: ROOT,
      env: { ...process.env, CITY_CACHE_DIR: join(dir, 'cache'), HTTP_PORT: '0', MQTT_PORT: '0' },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout.trim()).toBe(''); // no Redis, no broker, no fleet started
    expect(r.stderr.trim().split('\n')).toEqual([
      `ridetrack broker: CITY_FILE ${file}: not an OpenStreetMap extract (expected .osm.pbf or .osm XML, as Geofabrik and BBBike publish)`,
    ]);
  });
});
