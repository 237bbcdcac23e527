import { encodeLocation, type LocationFix } from '@ridetrack/shared';

/** A fix in Baltimore with this sequence number, stamped now, a metre further north each time. */
export function fixOf(seq: number, over: Partial<LocationFix> = {}): LocationFix {
  return {
    seq,
    timestampMs: Date.now(),
    lat: 39.2904 + seq * 1e-5,
    lng: -76.6122,
    headingDeg: 90,
    speedMps: 10,
    accuracyM: 5,
    tripState: 'available',
    simulated: true,
    ...over,
  };
}

/** `fixOf` as the v1 location packet a driver publishes. */
export const packetOf = (seq: number, over: Partial<LocationFix> = {}): Buffer =>
  Buffer.from(encodeLocation(fixOf(seq, over)));
