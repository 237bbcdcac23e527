import type { Aedes } from 'aedes';
import {
  decodeLocation,
  decodeStatus,
  FLEET_LOCATIONS,
  FLEET_STATUS,
  locationTopic,
  statusTopic,
  type DriverStatus,
  type LocationFix,
} from '@ridetrack/shared';
import type { LiveHub, LoadLast } from './hub';

/** `d/{id}/l` → id, without allocating the split. */
const driverOf = (topic: string): string => topic.slice(2, topic.lastIndexOf('/'));

/** Feeds the hub every fix and status Aedes routes (from this node's clients or, clustered, any node's). */
export async function feedHub(aedes: Aedes, hub: LiveHub): Promise<void> {
  const subscribe = (topic: string, deliver: (driverId: string, payload: Buffer) => void) =>
    new Promise<void>((resolve) => {
      aedes.subscribe(
        topic,
        (packet, done) => {
          deliver(driverOf(packet.topic), packet.payload as Buffer);
          done();
        },
        resolve,
      );
    });
  await subscribe(FLEET_LOCATIONS, (id, payload) => {
    // Payloads on d/+/l passed the ingress gate: decoding cannot fail, but costs nothing to check.
    const fix = decodeLocation(payload);
    if (fix.ok) hub.offerFix(id, fix.value);
  });
  await subscribe(FLEET_STATUS, (id, payload) => {
    const status = decodeStatus(payload);
    if (status.ok) hub.offerStatus(id, status.value);
  });
}

interface RetainedPacket {
  topic: string;
  payload: Buffer;
}

/** What this module needs of an aedes-persistence 11 store: retained packets, as an async iterable. */
export interface RetainedSource {
  createRetainedStream(pattern: string): AsyncIterable<RetainedPacket>;
}

/** Reads a driver's retained last fix and presence from Aedes' persistence (shared, when clustered). */
export function retainedLoader(persistence: RetainedSource): LoadLast {
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
