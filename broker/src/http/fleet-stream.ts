import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Aedes } from 'aedes';
import {
  decodeLocation,
  decodeStatus,
  FLEET_LOCATIONS,
  FLEET_STATUS,
  fleetRow,
  type LocationFix,
} from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';
import type { RetainedSource } from '../live/aedes-source';
import type { LiveCounters } from '../metrics';
import { FleetReaders } from './fleet-readers';
import { requestToken, sendJson } from './raw';

export interface FleetStreamDeps {
  aedes: Aedes;
  persistence: RetainedSource;
  /** null in open mode. */
  verifier: TokenVerifier | null;
  counters: LiveCounters;
  /** How often changed drivers are sent. */
  intervalMs: number;
  heartbeatMs: number;
  /**
   * Bytes a reader may leave unread. Past it, batches for that reader are skipped, and once it has
   * read what it had it gets the whole fleet again instead: memory per reader stays bounded, and a
   * slow reader still ends with the current picture.
   */
  maxBufferedBytes: number;
}

interface Driver {
  fix: LocationFix | null;
  online: boolean;
}

const driverOf = (topic: string): string => topic.slice(2, topic.lastIndexOf('/'));

/**
 * `GET /api/fleet/events`: the whole fleet for an operator's map as Server-Sent Events. First the
 * fleet as it is (from the retained fixes and presence), then every `intervalMs` the drivers whose
 * fix or presence changed, as compact rows (shared/src/fleet.ts). A browser parses two batches a
 * second instead of thousands of MQTT messages. The node subscribes to every driver's topics only
 * while at least one operator stream is open. Operator and service tokens.
 */
export class FleetStream {
  private readonly streams: FleetReaders;
  private readonly drivers = new Map<string, Driver>();
  private readonly dirty = new Set<string>();
  private started: Promise<void> | null = null;
  private stop: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private beats = 0;
  /** Streams between their token check and their first write: the feed must not stop under them. */
  private opening = 0;

  constructor(private readonly deps: FleetStreamDeps) {
    this.streams = new FleetReaders(
      deps.maxBufferedBytes,
      () => this.batch([...this.drivers.keys()]),
      () => deps.counters.shed(),
    );
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.url?.startsWith('/api/fleet/events') !== true) return false;
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname !== '/api/fleet/events') return false;
    this.open(req, res, url).catch(() => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: 'internal', message: 'internal error' });
    });
    return true;
  }

  /** Open operator streams (0 once every client has gone). */
  get openCount(): number {
    return this.streams.size;
  }

  close(): void {
    this.streams.endAll();
  }

  private async open(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      this.deps.counters.refused('method_not_allowed');
      sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method ?? ''} is not allowed; use GET` });
      return;
    }
    if (this.deps.verifier !== null) {
      const verified = await this.deps.verifier.verify(requestToken(req, url));
      if (!verified.ok) {
        this.deps.counters.refused(verified.reason);
        sendJson(res, 401, {
          error: 'unauthorized',
          reason: verified.reason,
          message: `token refused: ${verified.reason}`,
        });
        return;
      }
      const { role } = verified.value;
      if (role !== 'operator' && role !== 'service') {
        this.deps.counters.refused('role_cannot_follow_fleet');
        sendJson(res, 403, {
          error: 'forbidden',
          reason: 'role_cannot_follow_fleet',
          message: 'needs an operator or service token',
        });
        return;
      }
    }
    this.deps.counters.request('fleet');
    this.opening++;
    try {
      this.started ??= this.start();
      await this.started;
    } finally {
      this.opening--;
    }
    if (res.destroyed) {
      if (this.streams.size === 0 && this.opening === 0) this.shutdown();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n\n${this.batch([...this.drivers.keys()])}`);
    this.streams.add(res);
    this.deps.counters.opened('fleet');
    res.once('close', () => {
      this.streams.delete(res);
      this.deps.counters.closed('fleet');
      if (this.streams.size === 0 && this.opening === 0) this.shutdown();
    });
  }

  /** Subscribes to every driver's location and presence, then reads the retained ones. */
  private async start(): Promise<void> {
    const { aedes } = this.deps;
    const onFix = (packet: { topic: string; payload: unknown }, done: () => void): void => {
      const fix = decodeLocation(packet.payload as Buffer);
      if (fix.ok) this.update(driverOf(packet.topic), { fix: fix.value });
      done();
    };
    const onStatus = (packet: { topic: string; payload: unknown }, done: () => void): void => {
      const status = decodeStatus(packet.payload as Buffer);
      if (status.ok) this.update(driverOf(packet.topic), { online: status.value.online });
      done();
    };
    await Promise.all([
      new Promise<void>((resolve) => aedes.subscribe(FLEET_LOCATIONS, onFix, resolve)),
      new Promise<void>((resolve) => aedes.subscribe(FLEET_STATUS, onStatus, resolve)),
    ]);
    this.stop = () => {
      aedes.unsubscribe(FLEET_LOCATIONS, onFix, () => undefined);
      aedes.unsubscribe(FLEET_STATUS, onStatus, () => undefined);
    };
    for await (const packet of this.deps.persistence.createRetainedStream(FLEET_STATUS)) {
      const status = decodeStatus(packet.payload);
      if (status.ok && !this.drivers.has(driverOf(packet.topic)))
        this.drivers.set(driverOf(packet.topic), { fix: null, online: status.value.online });
    }
    for await (const packet of this.deps.persistence.createRetainedStream(FLEET_LOCATIONS)) {
      const fix = decodeLocation(packet.payload);
      const id = driverOf(packet.topic);
      const known = this.drivers.get(id);
      if (fix.ok && (known?.fix ?? null) === null)
        this.drivers.set(id, { fix: fix.value, online: known?.online ?? false });
    }
    this.dirty.clear();
    this.timer = setInterval(() => this.flush(), this.deps.intervalMs);
    this.timer.unref();
  }

  private update(driverId: string, change: Partial<Driver>): void {
    const known = this.drivers.get(driverId) ?? { fix: null, online: true };
    this.drivers.set(driverId, { ...known, ...change });
    this.dirty.add(driverId);
  }

  private flush(): void {
    const beat = ++this.beats * this.deps.intervalMs >= this.deps.heartbeatMs;
    if (this.dirty.size === 0 && !beat) return;
    const text = this.dirty.size === 0 ? ': hb\n\n' : this.batch([...this.dirty]);
    if (beat) this.beats = 0;
    this.dirty.clear();
    this.streams.send(text);
  }

  private batch(ids: string[]): string {
    const rows = [];
    for (const id of ids) {
      const d = this.drivers.get(id);
      if (d?.fix) rows.push(fleetRow(id, d.fix, d.online));
    }
    return `event: drivers\ndata: ${JSON.stringify({ rows })}\n\n`;
  }

  private shutdown(): void {
    this.stop?.();
    this.stop = null;
    clearInterval(this.timer);
    this.drivers.clear();
    this.dirty.clear();
    this.started = null;
  }
}
