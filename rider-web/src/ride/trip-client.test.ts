import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RiderTrip } from '@ridetrack/shared';
import { heldServer } from '../../test/held-server';
import { riderTrip } from '../../test/rider-trip';
import { watchTrip } from './trip-client';

const NOW = 1_800_000_000_000;

describe('watchTrip', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('drops a poll answered before "I\'m in" and read after it (the ride would step back to waiting)', async () => {
    const waiting = riderTrip(NOW, { stage: 'waiting', version: 5, serverMs: NOW });
    const boarded = riderTrip(NOW, { stage: 'on_trip', version: 6, serverMs: NOW + 1 });
    const later = riderTrip(NOW, { stage: 'on_trip', version: 6, serverMs: NOW + 2 });
    // The first poll's answer (still waiting) is held after its headers; the tap, and every later
    // poll, are answered at once.
    let gets = 0;
    const server = await heldServer(
      (method) => ({ body: method === 'POST' ? boarded : gets++ === 0 ? waiting : later }),
      (method) => method === 'GET',
    );
    const seen: RiderTrip[] = [];
    let laterSeen: () => void = () => undefined;
    const laterArrived = new Promise<void>((resolve) => (laterSeen = resolve));
    const trip = watchTrip('t-1', 'token', {
      trip: (t) => {
        seen.push(t);
        if (t.serverMs === later.serverMs) laterSeen();
      },
      gone: () => undefined,
      refused: () => undefined,
      unreachable: () => undefined,
    });
    try {
      await server.headersSeen;
      expect(await trip.post('board')).toMatchObject({ stage: 'on_trip' });
      await server.release();
      // Asked after the held body was sent: this answer comes after that body.
      trip.refresh();
      await laterArrived;
      expect(seen.map((t) => `${t.stage} v${t.version}`)).toEqual(['on_trip v6', 'on_trip v6']);
    } finally {
      trip.close();
      await server.close();
    }
  });
});
