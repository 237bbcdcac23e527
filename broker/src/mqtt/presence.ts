import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import { encodeStatus, statusTopic } from '@ridetrack/shared';

/**
 * Driver presence, kept by the broker rather than trusted to clients: a driver is online from its
 * authenticated CONNECT and offline when its connection ends (cleanly, by keepalive timeout, or by
 * the broker). The status is retained on `d/{id}/s` so a rider subscribing later learns it at once.
 * A driver that reconnects takes over: the old session's end (and its Last Will) no longer speaks
 * for it.
 */
export class Presence {
  private readonly current = new Map<string, Client>();
  private closed = false;

  constructor(
    private readonly aedes: Aedes,
    private readonly now: () => number,
    private readonly log: Logger,
    /** A driver of this node came online or went offline (the operators' fleet view hears it). */
    private readonly onChange: (driverId: string) => void = () => undefined,
  ) {}

  /**
   * Clustered: when a driver reconnects to another node, Aedes there announces the client id on
   * `$SYS/{node}/new/clients` and this node closes its old session. That end is a move, not the
   * driver going offline, so the old session is forgotten before it closes.
   */
  async followTakeovers(nodeId: string): Promise<void> {
    await new Promise<void>((resolve) => {
      this.aedes.subscribe(
        '$SYS/+/new/clients',
        (packet, done) => {
          const from = packet.topic.split('/')[1];
          const clientId = packet.payload.toString();
          if (from !== nodeId) this.current.delete(clientId);
          done();
        },
        resolve,
      );
    });
  }

  /** A driver's session began. */
  online(driverId: string, client: Client): void {
    this.current.set(driverId, client);
    this.publish(driverId, true);
    this.onChange(driverId);
  }

  /** A client's connection ended; if it was a driver's current session, the driver is offline. */
  ended(driverId: string, client: Client): void {
    if (this.closed || this.current.get(driverId) !== client) return;
    this.current.delete(driverId);
    this.publish(driverId, false);
    this.onChange(driverId);
  }

  /** Whether the driver is online on this node. */
  isOnline(driverId: string): boolean {
    return this.current.has(driverId);
  }

  /** True when this client is the driver's live session (a superseded session's will is ignored). */
  isCurrent(driverId: string, client: Client): boolean {
    return this.current.get(driverId) === client;
  }

  /**
   * The node is shutting down: its drivers are not going offline, they are moving to another node
   * (or back to this one after a restart), so no offline status is published for them.
   */
  close(): void {
    this.closed = true;
  }

  /** The drivers online on this node. */
  drivers(): IterableIterator<string> {
    return this.current.keys();
  }

  /** How many drivers are online on this node. */
  get onlineCount(): number {
    return this.current.size;
  }

  private publish(driverId: string, online: boolean): void {
    const payload = Buffer.from(encodeStatus({ online, ts: this.now() }));
    this.aedes.publish(
      { cmd: 'publish', topic: statusTopic(driverId), payload, qos: 1, retain: true, dup: false },
      (err) => {
        if (err) this.log.warn({ err, driverId }, 'presence publish failed');
      },
    );
  }
}
