import type { Aedes, Client } from 'aedes';
import { statusTopic } from '@ridetrack/shared';
import type { Logger } from 'pino';
import type { Admission } from '../admission';
import type { TokenVerifier } from '../auth/tokens';
import type { ConnectionRegistry } from '../connections';
import { connackFrame } from '../ingress/frames';
import type { GateCounters, GatedConnection } from '../ingress/connection-context';
import type { Metrics } from '../metrics';
import { createAuthHooks, gateOf, type AuthMode } from './auth-hooks';
import type { SessionRegistry } from './backends/sessions';
import { forgetConnectPacket } from './parser-buffer';
import type { Presence } from './presence';

/** A CONNACK "server unavailable" for refused connections [MQTT-3.2.2.3]. */
const SERVER_UNAVAILABLE = 3;

export interface InstallDeps {
  mode: AuthMode;
  verifier: TokenVerifier | null;
  sessions: SessionRegistry;
  clustered: boolean;
  nodeId: string;
  presence: Presence;
  log: Logger;
  metrics: Metrics;
  counters: GateCounters;
  now: () => number;
  load: { readonly lagMs: number };
  admission: Admission;
  tripEnded: (tripId: string) => Promise<boolean>;
  connections: Pick<ConnectionRegistry, 'opened' | 'ended'>;
}

/**
 * Aedes's hooks as this broker sets them: admission before CONNECT is read, authentication and
 * the access rules (auth-hooks.ts), presence and the connection gauge for every authenticated
 * client, and the counters for what Aedes itself refuses.
 */
export function installHooks(aedes: Aedes, deps: InstallDeps): { closed(gate: GatedConnection): void } {
  const { metrics, log, now, admission, presence } = deps;
  /** The gauge's labels, one object per role and transport, not one per connection. */
  const labels = new Map<string, { role: string; transport: string }>();
  const connectionLabels = (gate: GatedConnection): { role: string; transport: string } => {
    const role = gate.ctx.claims?.role ?? 'anonymous';
    const key = `${role} ${gate.ctx.transport}`;
    let found = labels.get(key);
    if (found === undefined) labels.set(key, (found = { role, transport: gate.ctx.transport }));
    return found;
  };
  const sessionOf = (gate: GatedConnection): string => `${deps.nodeId}#${gate.ctx.sessionId}`;
  const hooks = createAuthHooks({
    mode: deps.mode,
    sessions: deps.sessions,
    verifier: deps.verifier,
    metrics,
    log,
    now,
    tripEnded: deps.tripEnded,
    onAuthFailed: (gate) => admission.authFailed(gate.ctx.remoteAddress, now()),
    admitAuthenticated(sessionKey, gate) {
      const refused = admission.reconnect(sessionKey, now());
      if (refused === null) return null;
      metrics.refused.inc({ reason: refused });
      log.debug({ clientId: sessionKey, remote: gate.ctx.remoteAddress, reason: refused }, 'connection refused');
      return refused;
    },
    onAuthenticated(client, gate) {
      const driverId = gate.ctx.claims?.role === 'driver' ? gate.ctx.claims.sub : null;
      metrics.connections.inc(connectionLabels(gate));
      if (driverId !== null) {
        presence.online(driverId, client);
        deps.connections.opened(driverId, sessionOf(gate), {
          node: deps.nodeId,
          transport: gate.ctx.transport,
          connectedMs: now(),
        });
      }
      // Clustered, a driver's own will on its status topic is not stored: presence is the broker's
      // (it marks the driver offline when the session ends), and a will left in Redis by a node that
      // died would be published minutes later by another node, over a driver long reconnected.
      if (deps.clustered && driverId !== null && gate.ctx.willTopic === statusTopic(driverId))
        (client as unknown as { _will?: unknown })._will = undefined;
    },
  });
  aedes.authenticate = (client, username, password, done) => {
    // The token is verified from the argument; the parser need not keep it for the connection's life.
    forgetConnectPacket(client);
    hooks.authenticate(client, username, password, done);
  };
  aedes.authorizeSubscribe = hooks.authorizeSubscribe;
  aedes.authorizeForward = hooks.authorizeForward;
  aedes.authorizePublish = (client, packet, done) => {
    // A superseded session's will must not mark a reconnected driver offline.
    const claims = gateOf(client)?.ctx.claims;
    if (
      client !== null &&
      claims?.role === 'driver' &&
      packet.topic.startsWith('d/') &&
      !presence.isCurrent(claims.sub, client)
    ) {
      done(new Error('session superseded'));
      return;
    }
    hooks.authorizePublish(client, packet, done);
  };
  aedes.preConnect = (client, packet, done) => {
    const gate = gateOf(client);
    if (gate === undefined) {
      done(new Error('no gate'), false);
      return;
    }
    const refusal = admission.admit(gate.ctx.remoteAddress, {
      connections: aedes.connectedClients,
      eventLoopLagMs: deps.load.lagMs,
      nowMs: now(),
    });
    if (refusal === null) {
      done(null, true);
      return;
    }
    metrics.refused.inc({ reason: refusal });
    log.debug({ clientId: packet.clientId, remote: gate.ctx.remoteAddress, reason: refusal }, 'connection refused');
    gate.refuseConnect(connackFrame(SERVER_UNAVAILABLE), refusal);
    done(new Error(refusal), false);
  };
  aedes.on('clientError', (client: Client, err) => {
    log.debug({ clientId: client.id, err: err.message }, 'client error');
    // Aedes closes a client that holds more QoS 2 publishes than allowed awaiting PUBREL.
    const gate = gateOf(client);
    if (gate !== undefined && err.message.startsWith('maxInflightInbound exceeded'))
      deps.counters.violation('qos2_inflight_exceeded', gate.ctx.transport);
  });
  aedes.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));
  return {
    /**
     * Called once for every connection that closes (the broker's one close handler): what the
     * hooks started for it ends here, from what the gate holds, with no closure per connection.
     */
    closed(gate) {
      hooks.closed(gate);
      if (!gate.ctx.authenticated) return;
      metrics.connections.dec(connectionLabels(gate));
      const claims = gate.ctx.claims;
      if (claims?.role === 'driver' && gate.client !== undefined) {
        presence.ended(claims.sub, gate.client as Client);
        deps.connections.ended(claims.sub, sessionOf(gate), now());
      }
    },
  };
}
