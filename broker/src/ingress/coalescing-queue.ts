/**
 * Packets waiting for Aedes to read them, in arrival order, where a packet with a key (a QoS 0 fix
 * on one driver's location topic) replaces the waiting packet with the same key: only the newest
 * fix of a driver is worth delivering, so however far Aedes falls behind a connection, what waits
 * for it is at most one fix per topic plus the packets that may not be dropped. The caller says
 * when to replace (under load), so that a burst is delivered whole while there is room for it. The newer fix takes
 * its own place at the end, so packets keep their arrival order. Pure; no I/O.
 */
export class CoalescingQueue {
  /** Made on the first packet: most of the time nothing waits (an idle connection, or Aedes keeping up). */
  private packets: (Uint8Array | null)[] | null = null;
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
      const older = slot === undefined ? null : (this.packets?.[slot] ?? null);
      if (replace && slot !== undefined && older !== null && this.packets !== null) {
        this.bytes -= older.byteLength;
        this.packets[slot] = null;
        replaced = true;
      }
      this.slotOf.set(key, this.packets?.length ?? 0);
    }
    (this.packets ??= []).push(packet);
    this.bytes += packet.byteLength;
    return replaced;
  }

  /** Everything waiting, as one buffer, and the queue emptied; null when nothing waits. */
  take(): Buffer | null {
    if (this.bytes === 0 || this.packets === null) return null;
    const out = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    for (const packet of this.packets) {
      if (packet === null) continue;
      out.set(packet, at);
      at += packet.byteLength;
    }
    this.packets = null;
    this.slotOf?.clear();
    this.bytes = 0;
    return out;
  }
}
