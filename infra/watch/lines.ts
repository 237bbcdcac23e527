import { decodeLocation, decodeStatus, parseTopic } from '@ridetrack/shared';

/**
 * One MQTT message of a driver as one JSON line: a fix decoded from its 24-byte packet, a presence
 * change, or why a payload could not be read. Pure: the receipt time is an argument.
 */
export type WatchLine =
  | {
      type: 'fix';
      driver: string;
      seq: number;
      time: string;
      lat: number;
      lng: number;
      headingDeg: number | null;
      speedMps: number | null;
      accuracyM: number | null;
      tripState: string;
      simulated: boolean;
      /** Receipt time minus the fix's time: how old it was on arrival. */
      ageMs: number;
      /** The broker's last known fix, sent on subscribing, not a new one. */
      retained?: true;
    }
  | { type: 'presence'; driver: string; online: boolean; time: string; retained?: true }
  | { type: 'invalid'; driver: string; topic: string; reason: string };

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** The line for a message, or null for a topic that is not a driver's location or presence. */
export function watchLine(topic: string, payload: Uint8Array, retained: boolean, receivedMs: number): WatchLine | null {
  const parsed = parseTopic(topic);
  if (!parsed.ok || (parsed.value.kind !== 'location' && parsed.value.kind !== 'status')) return null;
  const driver = parsed.value.driverId;
  const flag = retained ? { retained: true as const } : {};
  if (parsed.value.kind === 'location') {
    const fix = decodeLocation(payload);
    if (!fix.ok) return { type: 'invalid', driver, topic, reason: fix.reason };
    const f = fix.value;
    return {
      type: 'fix',
      driver,
      seq: f.seq,
      time: new Date(f.timestampMs).toISOString(),
      lat: round(f.lat, 6),
      lng: round(f.lng, 6),
      headingDeg: f.headingDeg,
      speedMps: f.speedMps,
      accuracyM: f.accuracyM,
      tripState: f.tripState,
      simulated: f.simulated,
      ageMs: receivedMs - f.timestampMs,
      ...flag,
    };
  }
  const status = decodeStatus(payload);
  if (!status.ok) return { type: 'invalid', driver, topic, reason: status.reason };
  return {
    type: 'presence',
    driver,
    online: status.value.online,
    time: new Date(status.value.ts).toISOString(),
    ...flag,
  };
}
