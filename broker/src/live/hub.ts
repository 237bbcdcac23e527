import type { DriverStatus, LocationFix } from '@ridetrack/shared';

export type LiveEvent = { kind: 'fix'; fix: LocationFix } | { kind: 'status'; status: DriverStatus };
export type LiveListener = (event: LiveEvent) => void;

/** What a new entry starts from: the retained last fix and presence of the driver. */
export type LoadLast = (driverId: string) => Promise<{ fix: LocationFix | null; status: DriverStatus | null }>;

/**
 * Where the hub's events come from. `watch` starts routing one driver's fixes and status to
 * `offerFix`/`offerStatus` (resolving once it does) and returns how to stop: the hub subscribes only
 * to the drivers someone follows, so a node in a cluster does not receive the whole fleet's fixes.
 */
export interface LiveSource {
  load: LoadLast;
  watch(driverId: string): Promise<() => void>;
}

export interface HubOptions {
  /** Fixes kept per followed driver, so long polls and SSE resumes see every fix in between. */
  historySize: number;
  /** How long a driver nobody follows any more stays in the hub (short polls come back). */
  idleMs: number;
}

interface Entry {
  history: LocationFix[];
  status: DriverStatus | null;
  listeners: Set<LiveListener>;
  ready: Promise<void>;
  usedMs: number;
  unwatch: () => void;
}

/** A followed driver, as the HTTP transports see it. */
export interface LiveView {
  readonly history: readonly LocationFix[];
  readonly status: DriverStatus | null;
}

/**
 * The drivers someone follows over HTTP, each with its recent fixes, presence and listeners. It
 * subscribes to a driver's topics when someone first follows it, and unsubscribes once nobody has
 * for the idle time. An entry starts from the retained last position, so the first answer never
 * waits for the next fix.
 */
export class LiveHub {
  private readonly entries = new Map<string, Entry>();
  private listenerCount = 0;

  constructor(
    private readonly source: LiveSource,
    private readonly options: HubOptions,
    private readonly now: () => number,
  ) {}

  offerFix(driverId: string, fix: LocationFix): void {
    const entry = this.entries.get(driverId);
    if (entry === undefined) return;
    entry.history.push(fix);
    if (entry.history.length > this.options.historySize) entry.history.shift();
    this.emit(entry, { kind: 'fix', fix });
  }

  offerStatus(driverId: string, status: DriverStatus): void {
    const entry = this.entries.get(driverId);
    if (entry === undefined) return;
    entry.status = status;
    this.emit(entry, { kind: 'status', status });
  }

  /** The driver's entry, created (from the retained state) on first use. */
  async open(driverId: string): Promise<LiveView> {
    let entry = this.entries.get(driverId);
    if (entry === undefined) {
      const created: Entry = {
        history: [],
        status: null,
        listeners: new Set(),
        ready: Promise.resolve(),
        usedMs: 0,
        unwatch: () => undefined,
      };
      // Subscribe first, then read the retained state: nothing falls between the two.
      created.ready = this.source
        .watch(driverId)
        .then((unwatch) => {
          created.unwatch = unwatch;
          return this.source.load(driverId);
        })
        .then(
          (last) => {
            // Live events may have arrived while loading; they are newer than the retained ones.
            if (last.fix !== null && created.history.length === 0) created.history.push(last.fix);
            created.status ??= last.status;
          },
          () => undefined,
        );
      this.entries.set(driverId, created);
      entry = created;
    }
    entry.usedMs = this.now();
    await entry.ready;
    return entry;
  }

  /** Calls `listener` with the driver's events until the returned function is called. */
  listen(driverId: string, listener: LiveListener): () => void {
    const entry = this.entries.get(driverId);
    if (entry === undefined) throw new Error(`open(${driverId}) first`);
    entry.listeners.add(listener);
    this.listenerCount++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      entry.listeners.delete(listener);
      entry.usedMs = this.now();
      this.listenerCount--;
    };
  }

  /** Forgets drivers nobody has followed for the idle time; returns how many. */
  sweep(): number {
    const cutoff = this.now() - this.options.idleMs;
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (entry.listeners.size === 0 && entry.usedMs < cutoff) {
        this.entries.delete(id);
        entry.unwatch();
        removed++;
      }
    }
    return removed;
  }

  /** Listeners attached now (held long polls and open streams): back to 0 when every client has gone. */
  get listeners(): number {
    return this.listenerCount;
  }

  get drivers(): number {
    return this.entries.size;
  }

  private emit(entry: Entry, event: LiveEvent): void {
    for (const listener of entry.listeners) listener(event);
  }
}
