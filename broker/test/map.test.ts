import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { describe, expect, it } from 'vitest';
import { distanceM, writeOsmPbf } from '@ridetrack/shared';
import { BROKER_NODE_FLAGS, useBrokerProcess } from '@ridetrack/testkit';
import { latToTileY, lngToTileX } from '../src/map/tile-math';

/**
 * The basemap over the wire: the broker process imports the demo city (CITY_FILE unset), then
 * serves its style and vector tiles with the content types and caching MapLibre expects. Raw
 * node:http, since fetch would decode for us.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const broker = useBrokerProcess(
  { AUTH_MODE: 'dev', JWT_SECRET: randomBytes(32).toString('hex') },
  { timeoutMs: 60_000 },
);

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function fetchRaw(path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: broker.httpPort, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

interface Style {
  center: [number, number];
  glyphs: string;
  sources: { city: { tiles: string[]; bounds: number[]; minzoom: number; maxzoom: number; attribution: string } };
  layers: { id: string; 'source-layer'?: string }[];
}

describe('the basemap the broker serves', () => {
  it('tells the pages where the city is, and serves its style', async () => {
    const config = JSON.parse((await fetchRaw('/config.json')).body.toString()) as {
      styleUrl: string;
      center: [number, number];
      bounds: number[];
    };
    expect(config.styleUrl).toBe('/map/style.json');
    // The demo city: south-east Baltimore (its extract's header bounds).
    expect(config.bounds.map((d) => Number(d.toFixed(4)))).toEqual([-76.6081, 39.2586, -76.5288, 39.3065]);
    expect(config.center[0]).toBeGreaterThan(-76.6081);
    expect(config.center[1]).toBeLessThan(39.3065);

    const res = await fetchRaw('/map/style.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-cache');
    const style = JSON.parse(res.body.toString()) as Style;
    expect(style.center).toEqual(config.center);
    expect(style.sources.city.tiles[0]).toMatch(/^\/map\/tiles\/\{z\}\/\{x\}\/\{y\}\.pbf\?v=[0-9a-f]{12}$/);
    expect(style.sources.city.attribution).toContain('© OpenStreetMap contributors');
    expect(style.glyphs).toBe('/map/glyphs/{fontstack}/{range}.pbf');
    expect(new Set(style.layers.map((l) => l['source-layer']))).toEqual(
      new Set([undefined, 'landuse', 'water', 'waterway', 'buildings', 'roads', 'rail', 'places']),
    );
    const again = await fetchRaw('/map/style.json', { 'if-none-match': String(res.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('serves vector tiles: gzip as stored or plain, the same once decoded, with roads by class and names, water, parks, buildings', async () => {
    const style = JSON.parse((await fetchRaw('/map/style.json')).body.toString()) as Style;
    const v = /v=([0-9a-f]+)/.exec(style.sources.city.tiles[0] ?? '')?.[1] ?? '';
    // Fells Point at zoom 15: streets, the harbour, buildings.
    const [z, x, y] = [15, lngToTileX(-76.5935, 15), latToTileY(39.2825, 15)];
    const gz = await fetchRaw(`/map/tiles/${z}/${x}/${y}.pbf?v=${v}`, { 'accept-encoding': 'gzip, deflate, br' });
    const plain = await fetchRaw(`/map/tiles/${z}/${x}/${y}.pbf?v=${v}`);
    expect([gz.status, plain.status]).toEqual([200, 200]);
    expect(gz.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    // Without the version the tile may change under the same URL: a short cache only.
    expect((await fetchRaw(`/map/tiles/${z}/${x}/${y}.pbf`)).headers['cache-control']).toBe('public, max-age=300');
    const again = await fetchRaw(`/map/tiles/${z}/${x}/${y}.pbf?v=${v}`, { 'if-none-match': String(gz.headers.etag) });
    expect(again.status).toBe(304);

    const tile = new VectorTile(new PbfReader(plain.body));
    expect(Object.keys(tile.layers).sort()).toEqual(expect.arrayContaining(['buildings', 'roads', 'water']));
    const roads = tile.layers['roads'];
    const names = new Set<unknown>();
    const kinds = new Set<unknown>();
    for (let i = 0; i < (roads?.length ?? 0); i++) {
      const f = roads?.feature(i);
      names.add(f?.properties['name']);
      kinds.add(f?.properties['kind']);
    }
    expect(names).toContain('Thames Street');
    expect(kinds).toContain('minor');
    expect((tile.layers['buildings']?.length ?? 0) > 10).toBe(true);
  });

  it('leaves buildings out below street zoom, and answers an empty tile with 204', async () => {
    const [x, y] = [lngToTileX(-76.5935, 12), latToTileY(39.2825, 12)];
    const low = await fetchRaw(`/map/tiles/12/${x}/${y}.pbf`);
    const tile = new VectorTile(new PbfReader(low.body));
    expect(tile.layers['buildings']).toBeUndefined();
    expect(tile.layers['roads']).toBeDefined();
    // Within the grid but far from the city: nothing there.
    const empty = await fetchRaw('/map/tiles/15/0/0.pbf');
    expect(empty.status).toBe(204);
    expect(empty.body.length).toBe(0);
  });

  it.each([
    ['/map/tiles/a/1/1.pbf', 'not_a_number'],
    ['/map/tiles/23/1/1.pbf', 'zoom_out_of_range'],
    ['/map/tiles/3/8/1.pbf', 'tile_out_of_range'],
    ['/map/tiles/3/1/-1.pbf', 'not_a_number'],
  ])('refuses %s with 400 and the reason %s', async (path, reason) => {
    const res = await fetchRaw(path);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error: 'bad_parameter', reason });
  });

  it('refuses a tile not named {y}.pbf, a glyph range that is not one, and a font it does not have', async () => {
    expect((await fetchRaw('/map/tiles/3/1/1.png')).status).toBe(400);
    expect((await fetchRaw('/map/glyphs/Noto%20Sans%20Regular/0-100.pbf')).status).toBe(400);
    expect((await fetchRaw('/map/glyphs/Comic%20Sans/0-255.pbf')).status).toBe(404);
  });
});

describe('street search over the wire', () => {
  const json = async (path: string) => {
    const r = await fetchRaw(path);
    return { status: r.status, body: JSON.parse(r.body.toString()) as Record<string, unknown> };
  };

  it('finds a street of the city near a point, a neighbourhood, and a crossing of two', async () => {
    const street = await json('/map/search?q=eastern%20ave&lat=39.285&lng=-76.575');
    expect(street.status).toBe(200);
    const places = street.body['places'] as { name: string; kind: string; lat: number; lng: number }[];
    expect(places[0]).toMatchObject({ name: 'Eastern Avenue', kind: 'street' });
    const neighbourhood = await json('/map/search?q=canton&limit=1');
    expect(neighbourhood.body['places']).toEqual([expect.objectContaining({ name: 'Canton', kind: 'neighbourhood' })]);
    const crossing = await json('/map/search?q=Eastern%20%26%20Highland&limit=1');
    expect(crossing.body['places']).toEqual([
      expect.objectContaining({ name: 'Eastern Avenue & South Highland Avenue', kind: 'crossing' }),
    ]);
  });

  it.each([
    ['/map/search', 'q'],
    ['/map/search?q=%20', 'q'],
    [`/map/search?q=${'a'.repeat(81)}`, 'q'],
    ['/map/search?q=fleet&lat=39.2', 'lng'],
    ['/map/search?q=fleet&lat=north&lng=-76.6', 'lat'],
    ['/map/search?q=fleet&limit=0', 'limit'],
    ['/map/search?q=fleet&limit=2.5', 'limit'],
  ])('refuses %s naming %s', async (path, parameter) => {
    const r = await json(path);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'bad_parameter', parameter });
  });
});

describe('a ride estimated before it is requested', () => {
  it('gives the way along the roads, its length and time, and the destination’s street', async () => {
    const from = { lat: 39.2856, lng: -76.5706 }; // Eastern Avenue, Highlandtown
    const to = { lat: 39.2901, lng: -76.5853 }; // by Patterson Park
    const r = await fetchRaw(
      `/api/rides/estimate?from_lat=${from.lat}&from_lng=${from.lng}&to_lat=${to.lat}&to_lng=${to.lng}`,
    );
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body.toString()) as {
      distanceM: number;
      durationS: number;
      basis: string;
      route: [number, number][];
      dropoff: { lat: number; lng: number; street: string | null };
    };
    expect(body.basis).toBe('road');
    const straight = distanceM(from, to);
    expect(body.distanceM).toBeGreaterThan(straight);
    expect(body.distanceM).toBeLessThan(straight * 2);
    expect(body.durationS).toBeGreaterThan(body.distanceM / 30);
    const [first, last] = [body.route[0], body.route.at(-1)];
    expect(distanceM({ lng: first?.[0] ?? 0, lat: first?.[1] ?? 0 }, from)).toBeLessThan(60);
    expect(distanceM({ lng: last?.[0] ?? 0, lat: last?.[1] ?? 0 }, body.dropoff)).toBeLessThan(1);
    expect(typeof body.dropoff.street).toBe('string');
  });

  it.each(['from_lat', 'from_lng', 'to_lat', 'to_lng'])('refuses a missing or bad %s, naming it', async (name) => {
    const q = new URLSearchParams({ from_lat: '39.28', from_lng: '-76.57', to_lat: '39.29', to_lng: '-76.58' });
    q.set(name, 'far');
    const r = await fetchRaw(`/api/rides/estimate?${q.toString()}`);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString())).toMatchObject({ error: 'bad_parameter', parameter: name });
  });
});

describe('a broker given a file that is not a city', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ridetrack-city-'));
  const brokerWith = (file: string) =>
    spawnSync(process.execPath, [...BROKER_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'broker/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, AUTH_MODE: 'dev', MQTT_PORT: '0', HTTP_PORT: '0', CITY_FILE: file, CITY_CACHE_DIR: dir },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it.each([
    ['not an extract', 'page.osm.pbf', '<html></html>', /not an OpenStreetMap extract/],
    [
      'an extract with no drivable roads',
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
  ])('says it is %s in one line and exits 2', (_name, name, content, line) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    const r = brokerWith(file);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(line);
    expect(r.stderr).toContain(`CITY_FILE ${file}`);
  });

  it('says a file is too large (over CITY_MAX_MB) in one line and exits 2', () => {
    const file = join(dir, 'big.osm.pbf');
    writeFileSync(file, Buffer.alloc(1024 * 1024 + 1));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'broker/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, AUTH_MODE: 'dev', CITY_FILE: file, CITY_MAX_MB: '1', CITY_CACHE_DIR: dir },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/too large: at most 1 MB/);
  });
});
