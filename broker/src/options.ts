import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { redisTargetOf, type BrokerConfig } from './config';
import type { DriverProfile } from '@ridetrack/shared';
import { cachingVerifier, createVerifier, type TokenMinter, type TokenVerifier } from './auth/tokens';
import { DEFAULT_LIFECYCLE } from './trips/lifecycle';
import { parseProfiles } from './trips/profiles';
import type { Logger } from 'pino';
import type { AdmissionLimits } from './admission';
import type { DispatchOptions } from './dispatch';
import type { GeoOptions } from './geo/open-index';
import type { LiveOptions } from './http/live';
import type { WebOptions } from './http/web';
import type { GateLimits } from './ingress/connection-context';
import type { JudgeLimits } from './ingress/fix-judge';
import type { CityMap } from './map/city-map';
import type { Metrics } from './metrics';
import type { AuthMode } from './mqtt/auth-hooks';
import type { ClusterOptions } from './mqtt/backends/open-backends';
import type { HistoryOptions } from './operator-services';
import type { Router } from './routing/router';
import type { TripStoreOptions } from './trips/open-trip-store';
import type { TripOptions } from './trips/open-trips';

/** What startBroker takes (options: settings; deps: collaborators) and what it returns. */
export interface BrokerOptions {
  host: string;
  mqttPort: number;
  httpPort: number;
  tls?: { cert: Buffer; key: Buffer; mqttsPort: number; httpsPort: number } | undefined;
  auth: { mode: AuthMode; verifier: TokenVerifier | null };
  /** Lets dev or open mode bind to a non-loopback address. */
  allowInsecureOnPublic: boolean;
  gate: GateLimits;
  judge: JudgeLimits;
  admission: AdmissionLimits;
  connectTimeoutMs: number;
  /** HTTP: how long a connection may take to send a request's headers, and stay idle between requests. */
  http: { headersTimeoutMs: number; keepAliveTimeoutMs: number };
  /** QoS 2 publishes a client may hold awaiting PUBREL before it is disconnected. */
  maxInflightInbound: number;
  shutdownTimeoutMs: number;
  /** How often the event-loop delay is sampled for /metrics (a stall reads up to this much too long). */
  eventLoopResolutionMs: number;
  /** How long a silent driver's last fix is kept for the sequence and jump checks. */
  fixRetentionMs: number;
  geo: GeoOptions;
  /** Tracks and trips for replays, kept for a retention (or not at all: live-only mode). */
  history: HistoryOptions;
  dispatch: DispatchOptions;
  /** Where dispatch keeps its trips and holds: shared by every node with Redis, else in this process. */
  tripStore: TripStoreOptions;
  trips: TripOptions;
  web: WebOptions;
  live: LiveOptions;
  cluster: ClusterOptions;
}

export interface BrokerDeps {
  log: Logger;
  now?: () => number;
  /** Signs rider tokens for dispatch; null where the broker only holds a public key. */
  minter?: TokenMinter | null;
  /** How ETAs, routes and dispatch's ranking get from A to B (default: the city's roads, else the straight line). */
  router?: Router;
  /** The city whose basemap the pages draw (loaded by main.ts from CITY_FILE); none: no /map/ routes. */
  city?: CityMap | null;
}

export interface RunningBroker {
  ports: { mqtt: number; http: number; mqtts?: number; https?: number };
  metrics: Metrics;
  /** Stops accepting, closes every client, and resolves within the shutdown timeout. */
  close(): Promise<void>;
}

/** The drivers' profiles file: a bad file is misconfiguration, reported once at start. */
async function readProfiles(file: string): Promise<Map<string, DriverProfile>> {
  const parsed = parseProfiles(await readFile(file, 'utf8'));
  if (!parsed.ok)
    throw new Error(
      `DRIVER_PROFILES_FILE ${file}: ${parsed.reason}${parsed.driverId === undefined ? '' : ` (${parsed.driverId})`}` +
        ' (expected {"<driver id>": {"name": "...", "car": "...", "plate": "..."}})',
    );
  return parsed.value;
}

/** Turns validated config into broker options, reading TLS files and building the token verifier. */
export async function optionsFromConfig(config: BrokerConfig, devSecret?: string): Promise<BrokerOptions> {
  const redis = redisTargetOf(config);
  let verifier: TokenVerifier | null = null;
  if (config.AUTH_MODE !== 'open') {
    verifier = cachingVerifier(
      await createVerifier({
        secret: config.JWT_SECRET ?? devSecret,
        publicKeyPem: config.JWT_PUBLIC_KEY,
        algorithms: config.JWT_ALGORITHMS?.split(',').map((a) => a.trim()),
        issuer: config.JWT_ISSUER,
      }),
      50_000,
      Date.now,
    );
  }
  const tls =
    config.TLS_CERT_FILE !== undefined && config.TLS_KEY_FILE !== undefined
      ? {
          cert: await readFile(config.TLS_CERT_FILE),
          key: await readFile(config.TLS_KEY_FILE),
          mqttsPort: config.MQTTS_PORT,
          httpsPort: config.HTTPS_PORT,
        }
      : undefined;
  return {
    host: config.HOST,
    mqttPort: config.MQTT_PORT,
    httpPort: config.HTTP_PORT,
    tls,
    auth: { mode: config.AUTH_MODE, verifier },
    allowInsecureOnPublic: config.ALLOW_INSECURE_ON_PUBLIC,
    gate: {
      maxPacketBytes: config.MAX_PACKET_BYTES,
      publishRatePerS: config.PUBLISH_RATE_PER_S,
      publishBurst: config.PUBLISH_BURST,
      invalidRatePerS: config.INVALID_RATE_PER_S,
      invalidBurst: config.INVALID_BURST,
      shedQueuedBytes: config.SHED_QUEUED_BYTES,
      maxQueuedBytes: config.MAX_QUEUED_BYTES,
    },
    judge: { maxSpeedMps: config.MAX_SPEED_MPS, noiseM: 50, reanchorAfter: 3 },
    admission: {
      maxConnections: config.MAX_CONNECTIONS,
      connectRatePerS: config.CONNECT_RATE_PER_S,
      connectBurst: config.CONNECT_BURST,
      maxEventLoopLagMs: config.MAX_EVENT_LOOP_LAG_MS,
      banConnects: config.RECONNECT_BAN_CONNECTS,
      banWindowMs: config.RECONNECT_BAN_WINDOW_MS,
      banMs: config.RECONNECT_BAN_MS,
      authFailures: config.AUTH_FAILURE_BAN_COUNT,
      authFailureWindowMs: config.AUTH_FAILURE_WINDOW_MS,
      authFailureBanMs: config.AUTH_FAILURE_BAN_MS,
    },
    connectTimeoutMs: config.CONNECT_TIMEOUT_MS,
    http: { headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS, keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS },
    maxInflightInbound: config.MAX_INFLIGHT_INBOUND,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    eventLoopResolutionMs: config.EVENT_LOOP_RESOLUTION_MS,
    fixRetentionMs: 3_600_000,
    cluster: {
      // With a Redis (or a Redis Cluster), nodes share routing and retained state unless CLUSTER=off.
      redis: config.CLUSTER === 'off' ? undefined : redis,
      nodeId: config.NODE_ID ?? `${hostname()}-${randomBytes(4).toString('hex')}`,
      heartbeatMs: config.CLUSTER_HEARTBEAT_MS,
      keyPrefix: config.REDIS_KEY_PREFIX,
    },
    geo: {
      redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      h3Resolution: config.H3_RESOLUTION,
      regionResolution: config.GEO_REGION_RESOLUTION,
      staleMs: config.STALE_AFTER_MS,
      maxRings: 64,
      flushIntervalMs: config.INDEX_FLUSH_MS,
      sweepIntervalMs: config.JANITOR_INTERVAL_MS,
    },
    history: {
      enabled: config.HISTORY === 'on',
      redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      retentionMs: config.HISTORY_RETENTION_HOURS * 3_600_000,
      memoryBytes: config.HISTORY_MEMORY_MB * 1024 * 1024,
      flushIntervalMs: config.HISTORY_FLUSH_MS,
      maxPending: 200_000,
      maxTripMs: config.TRIP_TTL_S * 1000,
    },
    web: {
      webDir: config.WEB_DIR,
      styleUrl: config.MAP_STYLE_URL,
      center:
        config.MAP_CENTER === undefined ? undefined : (config.MAP_CENTER.split(',').map(Number) as [number, number]),
      maxH3Resolution: config.H3_RESOLUTION,
      devMode: config.AUTH_MODE === 'dev',
      serviceAreaName: config.SERVICE_AREA_NAME,
    },
    live: {
      longPollTimeoutMs: config.LONG_POLL_TIMEOUT_MS,
      heartbeatMs: config.SSE_HEARTBEAT_MS,
      maxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES,
      fleetMaxBufferedBytes: config.FLEET_MAX_BUFFERED_BYTES,
      fleetMaxRegions: config.FLEET_MAX_REGIONS,
      retryMs: 2000,
    },
    dispatch: {
      searchRadiusM: config.DISPATCH_RADIUS_M,
      candidates: 8,
      tripTtlS: config.TRIP_TTL_S,
      maxFixAgeMs: config.DISPATCH_MAX_FIX_AGE_MS,
      waitS: config.TRIP_WAIT_S,
    },
    tripStore: { redis, keyPrefix: config.REDIS_KEY_PREFIX },
    trips: {
      lifecycle: {
        ...DEFAULT_LIFECYCLE,
        offlineGraceMs: config.TRIP_DRIVER_OFFLINE_GRACE_MS,
        silentAfterMs: config.TRIP_DRIVER_SILENT_MS,
      },
      profiles: config.DRIVER_PROFILES_FILE === undefined ? new Map() : await readProfiles(config.DRIVER_PROFILES_FILE),
      carsResolution: Math.min(9, config.H3_RESOLUTION),
    },
  };
}
