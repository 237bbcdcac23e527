/**
 * `npm run bench:city`: what importing a city costs, and what its basemap weighs. For the demo
 * city and a 50 MB extract made from it (its data copied 10 x 10 side by side, since no bigger real
 * extract is at hand): time and peak memory of reading the file alone (the baseline), of the
 * simulator's import (road graph), of the broker's first start (import, vector tiles, cache) and
 * of its second start (from the cache); then the tiles' bytes at zooms 12-16 as served (gzip).
 * Each run is a process of its own, with the broker's Node flags. Loopback and local files only.
 * Appends the run to docs/results/city.jsonl.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { machineLine } from '../../shared/bench/machine';
import { recordRun, resultsFile } from '../../shared/bench/results';
import { BROKER_NODE_FLAGS } from '@ridetrack/testkit';
import { tiledExtract } from './city-extract';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEMO = join(ROOT, 'infra/cities/baltimore/baltimore.osm.pbf');
const SIDE = 10;
const big = join(ROOT, '.tmp/bench-city', `baltimore-${SIDE}x${SIDE}.osm.pbf`);
if (!existsSync(big)) {
  mkdirSync(dirname(big), { recursive: true });
  process.stderr.write(`making ${big} ...\n`);
  writeFileSync(big, tiledExtract(DEMO, SIDE));
}

interface Run {
  ms: number;
  maxRssMB: number;
}
const run = (file: string, cacheDir: string, mode: string): Run =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [...BROKER_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'broker/bench/city-run.ts'), file, cacheDir, mode],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    ),
  ) as Run;

const mb = (n: number): string => (n / 1e6).toFixed(1);
const rows: string[] = [];
const tileRows: string[] = [];
/** The run as data, by extract: seconds and peak memory of each step, and the tiles by zoom. */
const figures: Record<string, unknown> = {};
const readOnly: Record<string, number> = {};
const tiles: {
  extract: string;
  zoom: number;
  tiles: number;
  medianGzipKb: number;
  maxGzipKb: number;
  medianKb: number;
  maxKb: number;
}[] = [];
for (const [key, name, file] of [
  ['demo', 'demo city (Baltimore)', DEMO],
  ['big', `${SIDE} x ${SIDE} demo cities`, big],
] as const) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ridetrack-bench-city-'));
  process.stderr.write(`${name}: decode, roads, city, cached ...\n`);
  const decode = run(file, cacheDir, 'decode');
  const roads = run(file, cacheDir, 'roads');
  const city = run(file, cacheDir, 'city');
  const cached = run(file, cacheDir, 'cached');
  const size = statSync(file).size;
  const cell = (r: Run) => `${(r.ms / 1000).toFixed(1)} s, ${r.maxRssMB} MB`;
  rows.push(
    `| ${name} | ${mb(size)} MB | ${cell(decode)} | ${cell(roads)} (${(roads.ms / decode.ms).toFixed(1)}x) | ${cell(city)} (${(city.ms / decode.ms).toFixed(1)}x) | ${cell(cached)} |`,
  );
  figures[`${key}CityS`] = { roadGraph: roads.ms / 1000, firstStart: city.ms / 1000, secondStart: cached.ms / 1000 };
  figures[`${key}CityPeakRssMb`] = {
    roadGraph: roads.maxRssMB,
    firstStart: city.maxRssMB,
    secondStart: cached.maxRssMB,
  };
  figures[`${key}ExtractMb`] = size / 1e6;
  readOnly[`${key}CityS`] = decode.ms / 1000;
  readOnly[`${key}CityPeakRssMb`] = decode.maxRssMB;
  // Bytes per tile as served (gzip), and decoded, by zoom.
  const dir = join(cacheDir, readdirSync(cacheDir)[0] ?? '');
  const index = JSON.parse(readFileSync(join(dir, 'tiles.json'), 'utf8')) as Record<string, [number, number]>;
  const pack = readFileSync(join(dir, 'tiles.bin'));
  for (let z = 12; z <= 16; z++) {
    const sizes = Object.entries(index)
      .filter(([k]) => k.startsWith(`${z}/`))
      .map(([, [at, n]]) => [n, gunzipSync(pack.subarray(at, at + n)).length] as const);
    const gz = sizes.map(([g]) => g).sort((a, b) => a - b);
    const raw = sizes.map(([, r]) => r).sort((a, b) => a - b);
    const median = (a: number[]) => a[Math.floor(a.length / 2)] ?? 0;
    const kb = (n: number) => (n / 1024).toFixed(1);
    tiles.push({
      extract: key,
      zoom: z,
      tiles: gz.length,
      medianGzipKb: median(gz) / 1024,
      maxGzipKb: (gz.at(-1) ?? 0) / 1024,
      medianKb: median(raw) / 1024,
      maxKb: (raw.at(-1) ?? 0) / 1024,
    });
    tileRows.push(
      `| ${name} | ${z} | ${gz.length} | ${kb(median(gz))} KB | ${kb(gz.at(-1) ?? 0)} KB | ${kb(median(raw))} KB | ${kb(raw.at(-1) ?? 0)} KB |`,
    );
  }
  rmSync(cacheDir, { recursive: true, force: true });
}

const out = [
  `Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| extract | size | read only (baseline) | simulator: road graph | broker, first start: import + tiles | broker, second start (cache) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
  '| extract | zoom | tiles | median (gzip) | max (gzip) | median (decoded) | max (decoded) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...tileRows,
];
process.stdout.write(`${out.join('\n')}\n`);
recordRun('city', {
  settings: { demo: 'infra/cities/baltimore/baltimore.osm.pbf', bigSide: SIDE, nodeFlags: BROKER_NODE_FLAGS },
  figures: {
    ...figures,
    demoTileMedianGzipKb: Object.fromEntries(
      tiles.filter((t) => t.extract === 'demo').map((t) => [`z${t.zoom}`, t.medianGzipKb]),
    ),
    tiles,
  },
  // The same-run baseline: reading the file alone.
  baselines: { readOnly },
});
process.stdout.write(`\nrecorded in ${resultsFile('city')}\n`);
