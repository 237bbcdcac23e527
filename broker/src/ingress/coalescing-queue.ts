/**
 * Packets waiting for Aedes to read them, in arrival order, where a packet with a key (a QoS 0 fix
 * on one driver's location topic) replaces the waiting packet with the same key: only the newest
 * fix of a driver is worth delivering, so however far Aedes falls behind a connection, what waits
 * for it is at most one fix per topic plus the packets that may not be dropped. The caller says
 * when to replace (under load), so that a burst is delivered whole while there is room for it. The newer fix takes
 * its own place at the end, so packets keep their arrival order. Pure; no I/O.
 */
export class CoalescingQueue {
  private packets: (Uint8Array | null)[] = [];
  /** Made on the first keyed packet: a connection that never publishes fixes (a rider) has none. */
  private slotOf: Map<string, number> | null = null;
  /** Bytes of the packets waiting (replaced ones not counted). */
  bytes = 0;

  get empty(): boolean {
    return this.bytes === 0;
  }

  /**
   * Adds a packet; with `replace`, the waiting packet with the same key (if any) is dropped.
   * Returns true if one was.
   */
  push(packet: Uint8Array, key: string | null, replace = true): boolean {
    let replaced = false;
    if (key !== null) {
      this.slotOf ??= new Map();
      const slot = this.slotOf.get(key);
      const older = slot === undefined ? null : this.packets[slot];
      if (replace && slot !== undefined && older) {
        this.bytes -= older.byteLength;
        this.packets[slot] = null;
        replaced = true;
      }
      this.slotOf.set(key, this.packets.length);
    }
    this.packets.push(packet);
    this.bytes += packet.byteLength;
    return replaced;
  }

  /** Everything waiting, as one buffer, and the queue emptied; null when nothing waits. */
  take(): Buffer | null {
    if (this.bytes === 0) return null;
    const out = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    for (const packet of this.packets) {
      if (packet === null) continue;
      out.set(packet, at);
      at += packet.byteLength;
    }
    this.packets = [];
    this.slotOf?.clear();
    this.bytes = 0;
    return out;
  }
}
