import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import { distanceM, importCity, seededRng, writeOsmPbf, type LatLng, type RoadGraph } from '@ridetrack/shared';
import { carPosition, newCar, stepCar } from '../src/car-motion';
import { loadCityFile } from '../src/roads/city-file';

/**
 * The simulator's city: the demo extract committed in infra/cities, imported through the
 * simulator's own edge (file, sha256, cache), and the command's one line and exit 2 on a bad file.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEMO = join(ROOT, 'infra/cities/baltimore/baltimore.osm.pbf');
const DRIVABLE = new Set(['motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'unclassified', 'residential']);

async function demo(cacheDir: string) {
  const r = await loadCityFile(DEMO, { cacheDir });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('the demo city', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ridetrack-city-'));

  it('imports to the network the reference conversion of the same extract describes, then comes from the cache', async () => {
    const first = await demo(cacheDir);
    expect(first.fromCache).toBe(false);
    // /work/shared/roaddata/README.md: the largest strongly connected component has 4,649 nodes.
    const imported = importCity(new Uint8Array(readFileSync(DEMO)), { basemap: false, inflate: (d) => inflateSync(d) });
    expect(imported.ok && imported.value.graph.nodes).toHaveLength(4649);
    // The cars drive the part inside the extract's box (the map), 4,505 nodes: none outside it.
    const [west, south, east, north] = imported.ok ? imported.value.bounds : [0, 0, 0, 0];
    expect(first.graph.nodes.length).toBeGreaterThan(4400);
    for (const p of first.graph.nodes) {
      expect(p.lng).toBeGreaterThanOrEqual(west);
      expect(p.lng).toBeLessThanOrEqual(east);
      expect(p.lat).toBeGreaterThanOrEqual(south);
      expect(p.lat).toBeLessThanOrEqual(north);
    }
    expect(first.graph.attribution).toBe('© OpenStreetMap contributors');
    const second = await demo(cacheDir);
    expect(second.fromCache).toBe(true);
    expect(second.graph).toEqual(first.graph);
    expect(second.center).toEqual(first.center);
  });

  it('has named streets of drivable classes only, and one-way streets', async () => {
    const { graph } = await demo(cacheDir);
    const arcs = graph.out.flat();
    const classes = new Set(arcs.map((a) => a.roadClass));
    for (const c of classes)
      expect(c?.replace(/_link$/, '')).toMatch(
        /^(motorway|trunk|primary|secondary|tertiary|unclassified|residential|living_street|service)$/,
      );
    const names = new Set(arcs.map((a) => a.name));
    expect(names).toContain('Eastern Avenue');
    expect(names).toContain('Boston Street');
    const oneway = graph.out.flatMap((out, v) => out.filter((a) => !(graph.out[a.to] ?? []).some((b) => b.to === v)));
    expect(oneway.length).toBeGreaterThan(500);
    expect([...classes].filter((c) => DRIVABLE.has(c ?? '')).length).toBeGreaterThan(5);
  });

  it('drives cars along its streets, only the way one-way streets go', async () => {
    const { graph } = await demo(cacheDir);
    const rng = seededRng(7);
    const car = newCar('drv-t', graph, rng);
    const legs = new Set<string>();
    for (let s = 0; s < 900; s++) {
      stepCar(car, graph, 1000, rng);
      legs.add(`${car.path[car.leg] ?? -1}>${car.path[car.leg + 1] ?? -1}`);
      if (s % 15 === 0) expect(distanceToRoad(graph, carPosition(car))).toBeLessThan(0.5);
    }
    expect(legs.size).toBeGreaterThan(20);
    for (const leg of legs) {
      const [from = -1, to = -1] = leg.split('>').map(Number);
      if (to < 0) continue;
      expect(graph.out[from]?.some((a) => a.to === to)).toBe(true);
    }
  });

  it('refuses a file over the size limit before reading it', async () => {
    const r = await loadCityFile(DEMO, { cacheDir, maxBytes: 1000 });
    expect(r).toMatchObject({ ok: false, reason: 'too_large' });
  });
});

describe('npm run sim -- --city', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ridetrack-badcity-'));
  const sim = (file: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'driver-sim/src/main.ts'),
        '--city',
        file,
        '--export-roads',
        join(dir, 'out.geojson'),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, CITY_CACHE_DIR: join(dir, 'cache') },
        encoding: 'utf8',
      },
    );

  it.each([
    ['not an extract', 'page.osm.pbf', '<html>hello</html>', /not an OpenStreetMap extract/],
    [
      'no drivable roads',
      'paths.osm.pbf',
      writeOsmPbf({
        nodes: [
          { id: 1, lat: 0, lng: 0 },
          { id: 2, lat: 0, lng: 0.01 },
        ],
        ways: [{ id: 3, refs: [1, 2], tags: { highway: 'footway' } }],
      }),
      /no drivable roads/,
    ],
    ['missing', 'missing.osm.pbf', null, /cannot be read \(ENOENT\)/],
  ])('refuses a file that is %s: one line, exit 2', (_name, name, content, line) => {
    const file = join(dir, name);
    if (content !== null) writeFileSync(file, content);
    const r = sim(file);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(line);
    expect(r.stderr).toContain(file);
  });

  it('imports a real extract and writes its roads', () => {
    const r = sim(DEMO);
    expect(r.status).toBe(0);
    const roads = JSON.parse(readFileSync(join(dir, 'out.geojson'), 'utf8')) as { features: unknown[] };
    expect(roads.features.length).toBeGreaterThan(5000);
  });
});

/** Distance from a point to the nearest arc's polyline, metres (a local flat frame is exact enough). */
function distanceToRoad(g: RoadGraph, p: LatLng): number {
  let best = Infinity;
  const k = Math.cos((p.lat * Math.PI) / 180);
  g.out.forEach((arcs, v) => {
    for (const arc of arcs) {
      const pts = [g.nodes[v] as LatLng, ...arc.shape, g.nodes[arc.to] as LatLng];
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1] as LatLng;
        const b = pts[i] as LatLng;
        const len2 = ((b.lng - a.lng) * k) ** 2 + (b.lat - a.lat) ** 2;
        const dot = (p.lng - a.lng) * k * (b.lng - a.lng) * k + (p.lat - a.lat) * (b.lat - a.lat);
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, dot / len2));
        best = Math.min(best, distanceM({ lat: a.lat + (b.lat - a.lat) * t, lng: a.lng + (b.lng - a.lng) * t }, p));
      }
    }
  });
  return best;
}
