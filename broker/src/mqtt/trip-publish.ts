import type { Aedes, PublishPacket } from 'aedes';
import { tripTopic } from '@ridetrack/shared';

/** The PUBLISH that tells a driver about a trip: QoS 1, so a driver with a session gets it once back. */
export function encodeTripTopicPublish(driverId: string, message: string): PublishPacket {
  return {
    cmd: 'publish',
    topic: tripTopic(driverId),
    payload: Buffer.from(message),
    qos: 1,
    retain: false,
    dup: false,
  };
}

/** Where a node says a trip ended, so every node (through Redis, clustered) closes its riders. */
const TRIP_ENDED_TOPIC = '$SYS/ridetrack/trip-ended';

export function announceTripEnded(aedes: Aedes, tripId: string): void {
  aedes.publish(
    { cmd: 'publish', topic: TRIP_ENDED_TOPIC, payload: Buffer.from(tripId), qos: 0, retain: false, dup: false },
    () => undefined,
  );
}

export function onTripEnded(aedes: Aedes, ended: (tripId: string) => void): Promise<void> {
  return new Promise((resolve) => {
    aedes.subscribe(
      TRIP_ENDED_TOPIC,
      (packet, done) => {
        ended(packet.payload.toString());
        done();
      },
      resolve,
    );
  });
}
