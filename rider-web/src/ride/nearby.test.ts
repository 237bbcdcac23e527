import { afterEach, describe, expect, it, vi } from 'vitest';
import { heldServer, settle, type HeldServer } from '../../test/held-server';
import { Nearby } from './nearby';

/** The broker's `/api/cars/nearby`, its answer for latitude 1 held after its headers. */
const nearbyServer = (): Promise<HeldServer> =>
  heldServer(
    (_method, url) => {
      const lat = Number(url.searchParams.get('lat'));
      return { body: { cars: [], nearestEtaS: null, pickup: { lat, lng: 0, street: `street at ${lat}` } } };
    },
    (_method, url) => url.searchParams.get('lat') === '1.00000',
  );

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

describe('Nearby', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('drops an answer whose body arrives after the pickup moved (it would pull the pin back)', async () => {
    const server = await nearbyServer();
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
    const server = await nearbyServer();
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
