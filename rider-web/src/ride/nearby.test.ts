import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Nearby } from './nearby';

/**
 * A real HTTP server for `/api/cars/nearby` whose answer for a chosen latitude is held after its
 * headers: the window in which a rider moves the pickup while the page still reads an answer.
 */
async function nearbyServer(heldLat: string): Promise<{
  /** Resolves when the held answer's headers reached the page. */
  headersSeen: Promise<void>;
  /** Sends the held answer's body; resolves when it is written. */
  release(): Promise<void>;
  close(): Promise<void>;
}> {
  let held: ServerResponse | null = null;
  const answer = (lat: string): string =>
    JSON.stringify({
      cars: [],
      nearestEtaS: null,
      pickup: { lat: Number(lat), lng: 0, street: `street at ${Number(lat)}` },
    });
  const server = createServer((req, res) => {
    const lat = new URL(req.url ?? '/', 'http://x').searchParams.get('lat') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    if (lat === heldLat) {
      res.flushHeaders();
      held = res;
    } else res.end(answer(lat));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let seen: () => void = () => undefined;
  const headersSeen = new Promise<void>((resolve) => (seen = resolve));
  const realFetch = globalThis.fetch;
  // The page asks its own origin; here that origin is this server.
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const res = await realFetch(new URL(url, origin), init);
    if (url.includes(`lat=${heldLat}`)) seen();
    return res;
  });
  return {
    headersSeen,
    release: () =>
      new Promise<void>((resolve) => {
        if (held === null) throw new Error('nothing held');
        held.end(answer(heldLat), resolve);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The streets a Nearby reported, and a wait for the next one. */
function reports(): { streets: string[]; nearby: Nearby; next: (street: string) => Promise<void> } {
  const streets: string[] = [];
  const waiting: Array<{ street: string; resolve: () => void }> = [];
  const nearby = new Nearby((_cars, _eta, onStreet) => {
    const street = onStreet?.street ?? 'none';
    streets.push(street);
    for (const w of waiting.filter((x) => x.street === street)) w.resolve();
  });
  return {
    streets,
    nearby,
    next: (street) => new Promise((resolve) => waiting.push({ street, resolve })),
  };
}

/** Lets the page's pending continuations run (the check made on the headers, and the body read begun). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Nearby', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('drops an answer whose body arrives after the pickup moved (it would pull the pin back)', async () => {
    const server = await nearbyServer('1.00000');
    const { streets, nearby, next } = reports();
    try {
      nearby.watch({ lat: 1, lng: 0 }); // the map's centre, asked on arrival
      await server.headersSeen;
      await settle();
      const atHere = next('street at 2');
      nearby.watch({ lat: 2, lng: 0 }); // where the rider stands
      await atHere;
      await server.release();
      // A third place, asked after the held body was sent: its answer comes after that body.
      const atThird = next('street at 3');
      nearby.watch({ lat: 3, lng: 0 });
      await atThird;
      expect(streets).toEqual(['street at 2', 'street at 3']);
    } finally {
      nearby.stop();
      await server.close();
    }
  });

  it('reports nothing after it is stopped, even an answer already on its way', async () => {
    const server = await nearbyServer('1.00000');
    const { streets, nearby, next } = reports();
    try {
      nearby.watch({ lat: 1, lng: 0 });
      await server.headersSeen;
      await settle();
      nearby.stop(); // the ride was booked
      await server.release();
      const atThird = next('street at 3');
      nearby.watch({ lat: 3, lng: 0 });
      await atThird;
      expect(streets).toEqual(['street at 3']);
    } finally {
      nearby.stop();
      await server.close();
    }
  });
});
