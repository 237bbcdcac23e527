import type { PublishPacket } from 'aedes';
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
