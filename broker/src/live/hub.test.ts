import { describe, expect, it } from 'vitest';
import type { DriverStatus, LocationFix } from '@ridetrack/shared';
import { LiveHub, type LiveEvent, type LiveSource } from './hub';

const fix = (seq: number): LocationFix => ({
  seq,
  timestampMs: seq * 1000,
  lat: 39.29,
  lng: -76.61,
  headingDeg: null,
  speedMps: null,
  accuracyM: null,
  tripState: 'available',
  simulated: true,
});
const online: DriverStatus = { online: true, ts: 1 };

/** A source whose retained state and subscriptions the test controls (the hub's own seam). */
function source(retained: { fix: LocationFix | null; status: DriverStatus | null }) {
  const log: string[] = [];
  let releaseLoad: () => void = () => undefined;
  const loaded = new Promise<void>((resolve) => (releaseLoad = resolve));
  const s: LiveSource & { log: string[]; releaseLoad: () => void } = {
    log,
    releaseLoad,
    watch(driverId) {
      log.push(`watch ${driverId}`);
      return Promise.resolve(() => log.push(`unwatch ${driverId}`));
    },
    async load(driverId) {
      log.push(`load ${driverId}`);
      await loaded;
      return retained;
    },
  };
  return s;
}

describe('LiveHub', () => {
  it('subscribes before reading the retained state, and starts from it', async () => {
    const src = source({ fix: fix(1), status: online });
    const hub = new LiveHub(src, { historySize: 4, idleMs: 1000 }, () => 0);
    src.releaseLoad();
    const view = await hub.open('d1');
    expect(src.log).toEqual(['watch d1', 'load d1']);
    expect(view.history.map((f) => f.seq)).toEqual([1]);
    expect(view.status).toEqual(online);
  });

  it('keeps a fix that arrives while the retained state loads, as the newer one', async () => {
    const src = source({ fix: fix(1), status: null });
    const hub = new LiveHub(src, { historySize: 4, idleMs: 1000 }, () => 0);
    const opening = hub.open('d1');
    await Promise.resolve();
    hub.offerFix('d1', fix(2));
    src.releaseLoad();
    expect((await opening).history.map((f) => f.seq)).toEqual([2]);
  });

  it('keeps at most historySize fixes, and tells listeners until they stop listening', async () => {
    const src = source({ fix: null, status: null });
    src.releaseLoad();
    const hub = new LiveHub(src, { historySize: 3, idleMs: 1000 }, () => 0);
    const view = await hub.open('d1');
    const events: LiveEvent[] = [];
    const stop = hub.listen('d1', (e) => events.push(e));
    expect(hub.listeners).toBe(1);
    for (let seq = 1; seq <= 5; seq++) hub.offerFix('d1', fix(seq));
    hub.offerStatus('d1', online);
    stop();
    hub.offerFix('d1', fix(6));
    expect(view.history.map((f) => f.seq)).toEqual([4, 5, 6]);
    expect(events.map((e) => (e.kind === 'fix' ? e.fix.seq : 'status'))).toEqual([1, 2, 3, 4, 5, 'status']);
    expect(hub.listeners).toBe(0);
    hub.offerFix('nobody', fix(1)); // a driver nobody opened: ignored
    expect(hub.drivers).toBe(1);
  });

  it('forgets a driver nobody has followed for the idle time, and unsubscribes', async () => {
    let nowMs = 0;
    const src = source({ fix: null, status: null });
    src.releaseLoad();
    const hub = new LiveHub(src, { historySize: 3, idleMs: 1000 }, () => nowMs);
    await hub.open('idle');
    await hub.open('followed');
    const stop = hub.listen('followed', () => undefined);
    nowMs = 5000;
    expect(hub.sweep()).toBe(1);
    expect(src.log).toContain('unwatch idle');
    expect(src.log).not.toContain('unwatch followed');
    stop();
    nowMs = 10_000;
    expect(hub.sweep()).toBe(1);
    expect(hub.drivers).toBe(0);
  });
});
