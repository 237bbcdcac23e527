import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useBrokerProcess, WEB_DIR } from '@ridetrack/testkit';

/**
 * How the broker serves the built pages and the basemap's label glyphs: compressed when the
 * browser accepts it, byte for byte the same once decoded. Raw node:http, since fetch would decode
 * for us. (Tiles and the style: broker/test/map.test.ts.)
 */
const broker = useBrokerProcess(
  { AUTH_MODE: 'dev', JWT_SECRET: randomBytes(32).toString('hex'), WEB_DIR },
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

  it('serves the label glyphs built from Noto Sans, Brotli or gzip as accepted, the same once decoded', async () => {
    const path = '/map/glyphs/Noto%20Sans%20Regular/0-255.pbf';
    const original = readFileSync(join(WEB_DIR, 'glyphs', 'Noto Sans Regular', '0-255.pbf'));
    const br = await fetchRaw(path, { 'accept-encoding': 'gzip, br' });
    const gz = await fetchRaw(path, { 'accept-encoding': 'gzip' });
    const plain = await fetchRaw(path);
    expect([br.headers['content-encoding'], gz.headers['content-encoding'], plain.headers['content-encoding']]).toEqual(
      ['br', 'gzip', undefined],
    );
    for (const r of [br, gz, plain]) {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/x-protobuf');
      expect(r.headers['cache-control']).toMatch(/max-age=\d+/);
      expect(decode(r).equals(original)).toBe(true);
    }
    // A glyph set: the stack's name and range, then SDF bitmaps (field 3 of the stack, many of them).
    const text = plain.body.toString('latin1');
    expect(text).toContain('Noto Sans Regular');
    expect(text).toContain('0-255');
    expect(plain.body.length).toBeGreaterThan(20_000);
    // MapLibre asks for the stack by its names joined with commas; a range the font lacks is empty, not an error.
    expect((await fetchRaw('/map/glyphs/Noto%20Sans%20Medium,Noto%20Sans%20Regular/0-255.pbf')).status).toBe(200);
    const none = await fetchRaw('/map/glyphs/Noto%20Sans%20Regular/59392-59647.pbf');
    expect([none.status, none.body.length]).toEqual([200, 0]);
  });
});
