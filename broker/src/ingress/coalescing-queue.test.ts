import { describe, expect, it } from 'vitest';
import { CoalescingQueue } from './coalescing-queue';

const packet = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

describe('CoalescingQueue', () => {
  it('is empty at first and takes nothing', () => {
    const q = new CoalescingQueue();
    expect(q.empty).toBe(true);
    expect(q.take()).toBeNull();
  });

  it('keeps every packet, in order, when told not to replace', () => {
    const q = new CoalescingQueue();
    expect(q.push(packet(1), 'a', false)).toBe(false);
    expect(q.push(packet(2), 'a', false)).toBe(false);
    expect(q.push(packet(3, 3), null)).toBe(false);
    expect(q.bytes).toBe(4);
    expect([...(q.take() ?? [])]).toEqual([1, 2, 3, 3]);
    expect(q.empty).toBe(true);
  });

  it('replaces the waiting packet of a key, the newer one taking its own place at the end', () => {
    const q = new CoalescingQueue();
    q.push(packet(1), 'a');
    q.push(packet(9), null); // e.g. a status publish or a PINGREQ: never replaced
    q.push(packet(5), 'b');
    expect(q.push(packet(2, 2), 'a')).toBe(true);
    expect(q.bytes).toBe(4);
    expect([...(q.take() ?? [])]).toEqual([9, 5, 2, 2]);
  });

  it('replaces only what still waits: a taken packet is gone', () => {
    const q = new CoalescingQueue();
    q.push(packet(1), 'a');
    expect([...(q.take() ?? [])]).toEqual([1]);
    expect(q.push(packet(2), 'a')).toBe(false);
    expect([...(q.take() ?? [])]).toEqual([2]);
  });

  it('replaces a packet kept earlier without replacing, once told to', () => {
    const q = new CoalescingQueue();
    q.push(packet(1), 'a', false);
    q.push(packet(2), 'a', false);
    expect(q.push(packet(3), 'a')).toBe(true);
    // The newest kept one is replaced; the oldest was kept and stays, in front.
    expect([...(q.take() ?? [])]).toEqual([1, 3]);
  });
});
