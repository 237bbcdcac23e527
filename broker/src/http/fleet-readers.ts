/** What the fan-out needs of a reader's response: a real ServerResponse in the broker. */
export interface Reader {
  write(chunk: string): boolean;
  readonly writableLength: number;
  on(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
  end(): unknown;
}

/**
 * The readers of the fleet stream and what each is sent. A reader that leaves more than
 * `maxBufferedBytes` unread is skipped (and counted) until it has drained; then it gets everything
 * it follows once instead of the batches it missed. Memory per reader stays bounded, and a slow reader
 * still ends up with the current picture.
 */
export class FleetReaders {
  private readonly readers = new Map<Reader, () => void>();
  private readonly behind = new Set<Reader>();

  constructor(
    private readonly maxBufferedBytes: number,
    /** Everything the reader follows as one event, for a reader that fell behind. */
    private readonly everything: (reader: Reader) => string,
    private readonly onSkip: () => void,
  ) {}

  get size(): number {
    return this.readers.size;
  }

  add(reader: Reader): void {
    const onDrain = (): void => {
      if (this.behind.delete(reader)) reader.write(this.everything(reader));
    };
    reader.on('drain', onDrain);
    this.readers.set(reader, onDrain);
  }

  delete(reader: Reader): void {
    const onDrain = this.readers.get(reader);
    if (onDrain !== undefined) reader.off('drain', onDrain);
    this.readers.delete(reader);
    this.behind.delete(reader);
  }

  /** Sends one event to every reader that keeps up. */
  send(text: string): void {
    this.sendEach(() => text);
  }

  /** Sends each reader that keeps up its own event (null: nothing for it this time). */
  sendEach(textOf: (reader: Reader) => string | null): void {
    for (const reader of this.readers.keys()) {
      if (this.behind.has(reader)) continue;
      const text = textOf(reader);
      if (text === null) continue;
      if (reader.writableLength > this.maxBufferedBytes) {
        this.behind.add(reader);
        this.onSkip();
        continue;
      }
      reader.write(text);
    }
  }

  /** Ends every reader (shutdown). */
  endAll(): void {
    for (const reader of this.readers.keys()) reader.end();
  }
}
