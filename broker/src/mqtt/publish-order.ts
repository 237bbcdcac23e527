import type { Aedes, AedesPublishPacket, Client } from 'aedes';

type Done = (err?: Error | null) => void;
type Publish = (packet: AedesPublishPacket, client: Client | null, done: Done) => void;

/**
 * Makes Aedes publish one client's messages one at a time, in the order they came
 * [MQTT-4.6.0-6]: each topic is an ordered topic.
 *
 * Aedes reads on while a client's publish is in progress, and a QoS 1 or 2 publish takes longer
 * than a QoS 0 one (its PUBACK is written first; clustered, it is queued in Redis for the sessions
 * away first, on whichever shard holds it): a client's messages went out in another order than it
 * sent them, on a Redis Cluster even on one topic. Publishes without a client (the broker's own,
 * trips, wills of nodes gone) are not held.
 */
export function publishInOrder(aedes: Aedes): void {
  const publish = aedes.publish.bind(aedes) as unknown as Publish;
  /** Per client with a publish in progress: the publishes waiting behind it. */
  const waiting = new WeakMap<Client, (() => void)[]>();
  const inOrder = (packet: AedesPublishPacket, clientOrDone?: Client | Done | null, maybeDone?: Done): void => {
    const client = typeof clientOrDone === 'function' ? null : (clientOrDone ?? null);
    const done = (typeof clientOrDone === 'function' ? clientOrDone : maybeDone) ?? noop;
    if (client === null) {
      publish(packet, null, done);
      return;
    }
    const run = (): void =>
      publish(packet, client, (err) => {
        const next = waiting.get(client)?.shift();
        if (next === undefined) waiting.delete(client);
        else next();
        done(err);
      });
    const queue = waiting.get(client);
    if (queue !== undefined) queue.push(run);
    else {
      waiting.set(client, []);
      run();
    }
  };
  (aedes as unknown as { publish: typeof inOrder }).publish = inOrder;
}

function noop(): void {}
