import { historyKeys } from './store/keys';
import type { RedisClient } from './store/redis-client';
import { HistoryUnavailableError } from './history/types';
import type { Transport } from './ingress/connection-context';

/** Where and how a driver is (or was last) connected: for operators only, never sent to riders. */
export interface DriverConnection {
  /** The broker node holding the connection (NODE_ID). */
  node: string;
  transport: Transport;
  connectedMs: number;
  /** When that connection ended; null while it is open. */
  endedMs: number | null;
}

/** Drivers' connections, as every node of a cluster sees them. */
export interface ConnectionRegistry {
  /** A driver's session began on `node` (session: an id unique across nodes). */
  opened(driverId: string, session: string, connection: Omit<DriverConnection, 'endedMs'>): void;
  /** That session ended; a newer session of the driver (a takeover) is left alone. */
  ended(driverId: string, session: string, endedMs: number): void;
  get(driverId: string): Promise<DriverConnection | null>;
}

/** How long an ended connection is remembered, and an open one at most (a node that died never ends it). */
const ENDED_KEPT_MS = 24 * 3_600_000;
const OPEN_KEPT_MS = 7 * 24 * 3_600_000;

type Stored = DriverConnection & { session: string };

/** One node (no Redis): its own drivers are all there is. */
export class MemoryConnections implements ConnectionRegistry {
  private readonly byDriver = new Map<string, Stored>();

  opened(driverId: string, session: string, c: Omit<DriverConnection, 'endedMs'>): void {
    this.byDriver.set(driverId, { ...c, session, endedMs: null });
  }

  ended(driverId: string, session: string, endedMs: number): void {
    const c = this.byDriver.get(driverId);
    if (c?.session === session) c.endedMs = endedMs;
  }

  get(driverId: string): Promise<DriverConnection | null> {
    const c = this.byDriver.get(driverId);
    if (c === undefined) return Promise.resolve(null);
    const { session: _session, ...connection } = c;
    return Promise.resolve(connection);
  }
}

/** Marks a session ended only if it is still the driver's current one. KEYS: the key. ARGV: session, ended ms, keep ms. */
const END_LUA = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local c = cjson.decode(raw)
if c.session ~= ARGV[1] then return 0 end
c.endedMs = tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(c), 'PX', ARGV[3])
return 1
`;

/**
 * Clustered: each node writes its drivers' connections to Redis (one small key per driver, written
 * at connect and disconnect only, never per fix), so the panel shows the node and transport wherever
 * the driver is connected. Writes are fire-and-forget: a lost one costs a stale line in a panel.
 */
export class RedisConnections implements ConnectionRegistry {
  private readonly keys: ReturnType<typeof historyKeys>;
  private readonly redis: RedisClient & {
    rtConnEnd(key: string, session: string, endedMs: number, keepMs: number): Promise<number>;
  };

  constructor(
    redis: RedisClient,
    prefix: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.keys = historyKeys(prefix);
    redis.defineCommand('rtConnEnd', { numberOfKeys: 1, lua: END_LUA });
    this.redis = redis as typeof this.redis;
  }

  opened(driverId: string, session: string, c: Omit<DriverConnection, 'endedMs'>): void {
    const stored: Stored = { ...c, session, endedMs: null };
    this.redis.set(this.keys.connection(driverId), JSON.stringify(stored), 'PX', OPEN_KEPT_MS).catch(this.onError);
  }

  ended(driverId: string, session: string, endedMs: number): void {
    this.redis.rtConnEnd(this.keys.connection(driverId), session, endedMs, ENDED_KEPT_MS).catch(this.onError);
  }

  async get(driverId: string): Promise<DriverConnection | null> {
    let raw: string | null;
    try {
      raw = await this.redis.get(this.keys.connection(driverId));
    } catch (err) {
      throw new HistoryUnavailableError(err);
    }
    if (raw === null) return null;
    const { node, transport, connectedMs, endedMs } = JSON.parse(raw) as Stored;
    return { node, transport, connectedMs, endedMs };
  }
}
