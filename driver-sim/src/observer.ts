import { build, type Histogram } from 'hdr-histogram-js';
import mqtt, { type ErrorWithReasonCode, type MqttClient } from 'mqtt';
import { decodeLocation, FLEET_LOCATIONS, parseTopic } from '@ridetrack/shared';

/**
 * A subscriber beside the fleet that counts the fixes the broker delivers back and how late they
 * arrive (receipt time minus the fix's own timestamp: both from this process's clock). It is what
 * "delivered" and "delivery latency" mean in the simulator's report.
 */
export interface ObserverOptions {
  url: string;
  /** An operator token (it may subscribe to the whole fleet), or undefined in open mode. */
  token: string | undefined;
  clientId: string;
  /** Only fixes of drivers whose id starts with this count (others may share the broker). */
  idPrefix: string;
  /** Fixes stamped before this are left out (the broker's last known fixes of an earlier run). */
  sinceMs: number;
  insecureTls: boolean;
}

export interface ObserverEvents {
  /** Subscribed: fixes from now on are seen. */
  onReady(): void;
  /** The broker refused the CONNECT with this CONNACK return code. */
  onRefused(returnCode: number): void;
  /** A connection error (the socket's code, e.g. ECONNREFUSED), before or between connections. */
  onError(code: string): void;
}

export interface Delivery {
  delivered: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  latencyMaxMs: number | null;
}

export interface Observer {
  /** Fixes and their latency since the previous call (one interval of the report). */
  takeInterval(): Delivery;
  /** Fixes and their latency over the whole run. */
  total(): Delivery;
  close(): Promise<void>;
}

function histogram(): Histogram {
  // Whole milliseconds, 3 significant digits: 1 ms steps up to 1 s, 0.1% beyond.
  return build({ useWebAssembly: false, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000 });
}

function summarize(count: number, h: Histogram): Delivery {
  if (h.totalCount === 0) return { delivered: count, latencyP50Ms: null, latencyP99Ms: null, latencyMaxMs: null };
  return {
    delivered: count,
    latencyP50Ms: h.getValueAtPercentile(50),
    latencyP99Ms: h.getValueAtPercentile(99),
    latencyMaxMs: h.maxValue,
  };
}

export function startObserver(options: ObserverOptions, events: ObserverEvents, now: () => number): Observer {
  const run = histogram();
  let interval = histogram();
  let runCount = 0;
  let intervalCount = 0;
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: options.clientId,
    ...(options.token === undefined ? {} : { username: 'operator', password: options.token }),
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    rejectUnauthorized: !options.insecureTls,
  });
  client.on('connect', () => {
    client.subscribe(FLEET_LOCATIONS, { qos: 0 }, (err) => {
      if (!err) events.onReady();
    });
  });
  client.on('error', (err: Error | ErrorWithReasonCode) => {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') {
      // A refused CONNECT: with the same token every retry is refused too.
      client.end(true);
      events.onRefused(code);
    } else events.onError(typeof code === 'string' ? code : err.message);
  });
  client.on('message', (topic, payload, packet) => {
    // A retained fix is the broker's memory of the past, not a delivery.
    if (packet.retain) return;
    const parsed = parseTopic(topic);
    if (!parsed.ok || !parsed.value.driverId.startsWith(options.idPrefix)) return;
    const fix = decodeLocation(payload);
    if (!fix.ok || fix.value.timestampMs < options.sinceMs) return;
    const latencyMs = Math.max(0, now() - fix.value.timestampMs);
    run.recordValue(latencyMs);
    interval.recordValue(latencyMs);
    runCount++;
    intervalCount++;
  });
  return {
    takeInterval() {
      const d = summarize(intervalCount, interval);
      interval.destroy();
      interval = histogram();
      intervalCount = 0;
      return d;
    },
    total: () => summarize(runCount, run),
    async close() {
      await client.endAsync().catch(() => undefined);
    },
  };
}
