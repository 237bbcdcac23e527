import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../../infra/test/broker-process';
import { exportRoads, WEB_DIR } from '../../infra/test/sim-process';

/**
 * How the broker serves the built pages and the road network: compressed when the browser accepts
 * it, byte for byte the same once decoded. Raw node:http, since fetch would decode for us.
 */
const roads = join(mkdtempSync(join(tmpdir(), 'ridetrack-served-')), 'roads.geojson');
let broker: BrokerProcess;

beforeAll(async () => {
  exportRoads(roads);
  broker = await startBrokerProcess({
    AUTH_MODE: 'dev',
    JWT_SECRET: randomBytes(32).toString('hex'),
    WEB_DIR,
    ROADS_FILE: roads,
  });
}, 60_000);
afterAll(async () => {
  await broker.stop();
});

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

function decode(r: Raw): Buffer {
  const coding = r.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(r.body);
  if (coding === 'gzip') return gunzipSync(r.body);
  expect(coding).toBeUndefined();
  return r.body;
}

describe('pages and assets', () => {
  it('sends each script and stylesheet as Brotli, gzip or plain, as the browser accepts, the same once decoded', async () => {
    const html = (await fetchRaw('/')).body.toString();
    expect(html).toMatch(/src="\/assets\/[^"]+\.js"/);
    // Every built file, MapLibre's worker (loaded by the script, not the page) included.
    const assets = readdirSync(join(WEB_DIR, 'assets'))
      .filter((f) => !/\.(br|gz)$/.test(f))
      .map((f) => `/assets/${f}`);
    expect(assets.some((a) => a.includes('worker'))).toBe(true);
    for (const asset of assets) {
      const original = readFileSync(join(WEB_DIR, asset));
      const br = await fetchRaw(asset, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      const gz = await fetchRaw(asset, { 'accept-encoding': 'gzip' });
      const plain = await fetchRaw(asset);
      expect([br.status, gz.status, plain.status]).toEqual([200, 200, 200]);
      expect(br.headers['content-encoding']).toBe(original.length > 1024 ? 'br' : undefined);
      expect(gz.headers['content-encoding']).toBe(original.length > 1024 ? 'gzip' : undefined);
      expect(plain.headers['content-encoding']).toBeUndefined();
      for (const r of [br, gz, plain]) expect(decode(r).equals(original)).toBe(true);
      if (original.length > 1024) {
        expect(br.body.length).toBeLessThan(original.length);
        expect(br.headers.vary).toMatch(/Accept-Encoding/i);
      }
      expect(br.headers['cache-control']).toMatch(/immutable/);
    }
  });

  it('sends the road network compressed, with an ETag per coding and 304 when unchanged', async () => {
    const original = readFileSync(roads);
    const br = await fetchRaw('/roads.geojson', { 'accept-encoding': 'gzip, br' });
    const gz = await fetchRaw('/roads.geojson', { 'accept-encoding': 'gzip;q=1, br;q=0' });
    const plain = await fetchRaw('/roads.geojson', { 'accept-encoding': 'identity' });
    expect([br.headers['content-encoding'], gz.headers['content-encoding'], plain.headers['content-encoding']]).toEqual(
      ['br', 'gzip', undefined],
    );
    for (const r of [br, gz, plain]) {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/geo+json');
      expect(r.headers.vary).toBe('Accept-Encoding');
      expect(decode(r).equals(original)).toBe(true);
    }
    expect(br.body.length).toBeLessThan(original.length / 4);
    const etags = new Set([br.headers.etag, gz.headers.etag, plain.headers.etag]);
    expect(etags.size).toBe(3);
    const again = await fetchRaw('/roads.geojson', {
      'accept-encoding': 'br',
      'if-none-match': String(br.headers.etag),
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('sends the road network again when its file changes, and says so when it cannot be read', async () => {
    const before = await fetchRaw('/roads.geojson', { 'accept-encoding': 'br' });
    const changed = JSON.stringify({ type: 'FeatureCollection', features: [] });
    writeFileSync(roads, changed);
    const after = await fetchRaw('/roads.geojson', { 'accept-encoding': 'br' });
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(decode(after).toString()).toBe(changed);
    rmSync(roads);
    const missing = await fetchRaw('/roads.geojson');
    expect(missing.status).toBe(503);
    expect(JSON.parse(missing.body.toString())).toMatchObject({ error: 'roads_unavailable' });
    // The broker is unharmed.
    expect((await fetchRaw('/healthz')).status).toBe(200);
  });
});
