import type { Aedes } from 'aedes';
import {
  decodeLocation,
  decodeStatus,
  locationTopic,
  statusTopic,
  type DriverStatus,
  type LocationFix,
} from '@ridetrack/shared';
import type { LiveHub, LiveSource, LoadLast } from '../live/hub';

/**
 * The live hub's source in Aedes: one driver's location and status topics, subscribed while someone
 * follows it (through Redis when clustered, so fixes from any node arrive), and the retained state.
 */
export function liveSource(aedes: Aedes, persistence: RetainedSource, hub: () => LiveHub): LiveSource {
  const subscribe = (topic: string, deliver: (payload: Buffer) => void) =>
    new Promise<() => void>((resolve) => {
      const listener = (packet: { payload: unknown }, done: () => void): void => {
        deliver(packet.payload as Buffer);
        done();
      };
      aedes.subscribe(topic, listener, () =>
        resolve(() => {
          aedes.unsubscribe(topic, listener, () => undefined);
        }),
      );
    });
  return {
    load: retainedLoader(persistence),
    async watch(driverId) {
      const stops = await Promise.all([
        subscribe(locationTopic(driverId), (payload) => {
          // Payloads on d/+/l passed an ingress gate: decoding cannot fail, but costs nothing to check.
          const fix = decodeLocation(payload);
          if (fix.ok) hub().offerFix(driverId, fix.value);
        }),
        subscribe(statusTopic(driverId), (payload) => {
          const status = decodeStatus(payload);
          if (status.ok) hub().offerStatus(driverId, status.value);
        }),
      ]);
      return () => {
        for (const stop of stops) stop();
      };
    },
  };
}

interface RetainedPacket {
  topic: string;
  payload: Buffer;
}

/** What this module needs of an aedes-persistence 11 store: retained packets, as an async iterable. */
export interface RetainedSource {
  createRetainedStream(pattern: string): AsyncIterable<RetainedPacket>;
}

/** A driver's retained presence (kept by the broker; in Redis when clustered, so every node reads the same). */
export function retainedStatus(persistence: RetainedSource): (driverId: string) => Promise<DriverStatus | null> {
  return async (driverId) => {
    for await (const packet of persistence.createRetainedStream(statusTopic(driverId))) {
      const status = decodeStatus(packet.payload);
      return status.ok ? status.value : null;
    }
    return null;
  };
}

/** Reads a driver's retained last fix and presence from Aedes' persistence (shared, when clustered). */
function retainedLoader(persistence: RetainedSource): LoadLast {
  const first = async (topic: string): Promise<Buffer | null> => {
    for await (const packet of persistence.createRetainedStream(topic)) return packet.payload;
    return null;
  };
  return async (driverId) => {
    const [fixBytes, statusBytes] = await Promise.all([first(locationTopic(driverId)), first(statusTopic(driverId))]);
    const fix = fixBytes === null ? null : decodeLocation(fixBytes);
    const status = statusBytes === null ? null : decodeStatus(statusBytes);
    return {
      fix: fix?.ok === true ? (fix.value satisfies LocationFix) : null,
      status: status?.ok === true ? (status.value satisfies DriverStatus) : null,
    };
  };
}
