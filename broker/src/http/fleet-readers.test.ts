import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FleetReaders } from './fleet-readers';

/** A real stream whose reader reads nothing until told to: its buffer grows like a stalled socket's. */
class StalledReader extends Writable {
  readonly got: string[] = [];
  private pending: (() => void)[] = [];
  constructor() {
    super({ highWaterMark: 16, decodeStrings: false });
  }
  override _write(chunk: string, _e: BufferEncoding, done: () => void): void {
    this.got.push(chunk);
    this.pending.push(done);
  }
  /** Reads everything it was sent. */
  readAll(): void {
    for (let done = this.pending.shift(); done !== undefined; done = this.pending.shift()) done();
  }
}

describe('FleetReaders', () => {
  it('skips a reader past its limit, then sends it the whole fleet once it has drained', async () => {
    let skipped = 0;
    const readers = new FleetReaders(
      100,
      () => 'EVERYTHING',
      () => skipped++,
    );
    const slow = new StalledReader();
    const fast = new StalledReader();
    readers.add(slow);
    readers.add(fast);
    for (let i = 0; i < 20; i++) {
      readers.send(`batch-${i}-${'x'.repeat(30)}`);
      fast.readAll();
    }
    expect(fast.got).toHaveLength(20);
    // The slow reader took batches only until it held more than 100 bytes unread.
    expect(slow.writableLength).toBeLessThanOrEqual(100 + 40);
    expect(skipped).toBe(1);
    const before = slow.got.length;
    expect(before).toBeLessThan(20);
    slow.readAll();
    await new Promise((resolve) => setImmediate(resolve));
    expect(slow.got.slice(before)).toContain('EVERYTHING');
    // And it takes batches again.
    readers.send('batch-next');
    slow.readAll();
    expect(slow.got.at(-1)).toBe('batch-next');
  });
});
