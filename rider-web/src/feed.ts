import mqtt, { type MqttClient } from 'mqtt';
import { backoffMs, decodeLocation, decodeStatus, type DriverStatus, type LocationFix } from '@ridetrack/shared';

export type FeedState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface FeedEvents {
  fix(driverId: string, fix: LocationFix): void;
  status(driverId: string, status: DriverStatus): void;
  state(state: FeedState, detail?: string): void;
}

/**
 * MQTT over WebSocket to the broker, for a rider (its driver's topics) or an operator (d/+/l,
 * d/+/s). Reconnects with exponential backoff and full jitter; on every (re)connect the retained
 * last fix and presence arrive at once, so the page shows the current position straight away.
 */
export function openFeed(
  url: string,
  token: string | null,
  clientId: string,
  topics: string[],
  events: FeedEvents,
  /** Gives up (and calls `unreachable`) after this many failed attempts when it never connected. */
  fallback?: { afterFailures: number; unreachable(): void },
): { close(): void } {
  let client: MqttClient | null = null;
  let attempt = 0;
  let everConnected = false;
  let refused = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const connect = (): void => {
    events.state(attempt === 0 ? 'connecting' : 'reconnecting');
    const c = mqtt.connect(url, {
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 8000,
      keepalive: 20,
      clean: true,
      ...(token === null ? {} : { username: 'token', password: token }),
    });
    client = c;
    c.on('connect', () => {
      attempt = 0;
      everConnected = true;
      events.state('connected');
      c.subscribe(topics, { qos: 0 });
    });
    c.on('message', (topic, payload) => {
      const [, driverId = '', kind] = topic.split('/');
      if (kind === 'l') {
        const fix = decodeLocation(payload);
        if (fix.ok) events.fix(driverId, fix.value);
      } else if (kind === 's') {
        const status = decodeStatus(payload);
        if (status.ok) events.status(driverId, status.value);
      }
    });
    c.on('error', (err) => {
      // A refused token will not get better by retrying quickly; say so and keep backing off.
      if ((err as { code?: number }).code === 4 || (err as { code?: number }).code === 5) {
        refused = true;
        events.state('refused', err.message);
      }
    });
    c.on('close', () => {
      if (closed || client !== c) return;
      client = null;
      c.end(true);
      attempt++;
      // Never got through, and not because of the token: WebSocket is blocked on this network.
      if (!everConnected && !refused && fallback !== undefined && attempt >= fallback.afterFailures) {
        closed = true;
        fallback.unreachable();
        return;
      }
      events.state('reconnecting');
      timer = setTimeout(connect, backoffMs(attempt, 500, 15_000, Math.random));
    });
  };
  connect();
  return {
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      client?.end(true);
    },
  };
}

/** The MQTT over WebSocket URL of the page's own server. */
export function brokerUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/mqtt`;
}

/** What a page needs from the server, from /config.json. */
export interface PageConfig {
  devMode: boolean;
  /** The basemap style: the city's own (/map/style.json) or a hosted one (MAP_STYLE_URL). */
  styleUrl: string | null;
  /** Where the city is: the pages open on its centre. */
  center: [number, number];
  bounds: [number, number, number, number] | null;
  maxH3Resolution: number;
  /** Where riders may be picked up: `[minLng, minLat, maxLng, maxLat]` and its name; null when unknown. */
  servedArea: { bbox: [number, number, number, number]; name: string } | null;
}

export async function loadConfig(): Promise<PageConfig> {
  const res = await fetch('/config.json');
  return (await res.json()) as PageConfig;
}
