import type { DriverStatus } from '@ridetrack/shared';

/**
 * Whether the driver is online, as the rider's page judges it from two streams that can arrive
 * out of order: the driver's status (the broker's "offline" when its connection ends) and its
 * fixes. A fix taken before the broker said "offline" can still reach the page after it (it was
 * already on its way), and must not bring the driver back: only a fix taken after the "offline",
 * or a status saying "online", does. A trip answer (polled) can be older news too.
 */
export class Presence {
  online = true;
  private offlineSinceMs: number | null = null;

  heardStatus(status: DriverStatus): void {
    this.online = status.online;
    this.offlineSinceMs = status.online ? null : status.ts;
  }

  /**
   * The broker's word in a trip answer made at `serverMs`: an "online" made before the broker
   * said "offline" is older news than the "offline", and is ignored.
   */
  heardAnswer(online: boolean, serverMs: number): void {
    if (online && this.offlineSinceMs !== null && serverMs <= this.offlineSinceMs) return;
    this.heardStatus({ online, ts: serverMs });
  }

  /** A fix taken at `fixMs` (device time). */
  heardFix(fixMs: number): void {
    if (this.offlineSinceMs !== null && fixMs <= this.offlineSinceMs) return;
    this.online = true;
    this.offlineSinceMs = null;
  }
}
