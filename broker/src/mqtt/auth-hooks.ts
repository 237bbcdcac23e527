import type { AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { canPublish, canSubscribe, clientIdAllowed, parseFilter, parseTopic } from '@ridetrack/shared';
import { asGated, type GatedConnection } from '../ingress/connection-context';
import type { Metrics } from '../metrics';
import type { SessionRegistry } from './backends/sessions';
import type { TokenVerifier } from '../auth/tokens';
import { TokenExpiries } from '../auth/token-expiries';

/** CONNACK return codes [MQTT-3.2.2.3]; aedes's AuthErrorCode is an ambient const enum. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export type AuthMode = 'jwt' | 'dev' | 'open';

/** Why a connection that closed while it was being authenticated is not admitted. */
const GONE = 'closed_during_authentication';

export interface HookDeps {
  mode: AuthMode;
  verifier: TokenVerifier | null;
  metrics: Metrics;
  log: Logger;
  /** Which client ids have a persistent session (for CONNACK's Session Present). */
  sessions: SessionRegistry;
  /** Called with every authenticated connection (for presence and the connection gauge). */
  onAuthenticated: (client: Client, gate: GatedConnection) => void;
  /** A connection failed authentication: counted against its source address. */
  onAuthFailed: (gate: GatedConnection) => void;
  /**
   * Decides on a connection that proved who it is, keyed by its identity's client id: null, or a
   * reason to refuse it with CONNACK 3 (a reconnect loop).
   */
  admitAuthenticated: (sessionKey: string, gate: GatedConnection) => string | null;
  /** True for a rider token whose trip has ended: it no longer connects. */
  tripEnded: (tripId: string) => Promise<boolean>;
  now: () => number;
}

/** The gate in front of an Aedes client; every client the broker accepts comes through one. */
export function gateOf(client: Client | null): GatedConnection | undefined {
  return asGated(client?.conn);
}

function refusal(returnCode: number, message: string): AuthenticateError {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- AuthErrorCode is an ambient const enum that verbatimModuleSyntax cannot import; the numbers are the MQTT return codes
  return Object.assign(new Error(message), { returnCode });
}

/** Aedes' authenticate, authorizePublish and authorizeSubscribe hooks, from the shared access rules. */
export function createAuthHooks(deps: HookDeps) {
  const { metrics, log } = deps;
  const expiries = new TokenExpiries(deps.now);

  function refuse(client: Client, gate: GatedConnection | undefined, reason: string, returnCode: number) {
    metrics.authFailures.inc({ reason });
    if (gate !== undefined) deps.onAuthFailed(gate);
    // One line per refused CONNECT, with the reason and never the token.
    log.info(
      { reason, clientId: client.id, remote: gate?.ctx.remoteAddress, transport: gate?.ctx.transport },
      'connect refused',
    );
    return refusal(returnCode, reason);
  }

  /**
   * A clean session discards the client id's stored session; a persistent one notes whether one
   * existed, for Session Present [MQTT-3.2.2-2], and is remembered. An assigned id has none.
   */
  async function noteSession(gate: GatedConnection): Promise<void> {
    const id = gate.ctx.clientId;
    if (id === null || id === '') return;
    if (gate.ctx.clean) {
      deps.sessions.forget(id);
      return;
    }
    gate.ctx.sessionExisted = await deps.sessions.has(id);
    deps.sessions.remember(id);
  }

  function gone(): AuthenticateError {
    metrics.refused.inc({ reason: GONE });
    return refusal(SERVER_UNAVAILABLE, GONE);
  }

  async function authenticate(client: Client, password: Buffer | undefined): Promise<AuthenticateError | null> {
    const gate = gateOf(client);
    if (gate === undefined) return refusal(NOT_AUTHORIZED, 'no gate');
    if (deps.mode === 'open') {
      await noteSession(gate);
      if (gate.destroyed) return gone();
      // Presence first: packets pipelined behind CONNECT are judged as the live session's.
      deps.onAuthenticated(client, gate);
      gate.authenticated(null);
      return null;
    }
    const verified = await deps.verifier?.verify(password?.toString('utf8'));
    if (!verified?.ok) return refuse(client, gate, verified?.reason ?? 'no_verifier', BAD_USERNAME_OR_PASSWORD);
    const claims = verified.value;
    if (claims.role === 'rider' && claims.trip !== undefined && (await deps.tripEnded(claims.trip))) {
      return refuse(client, gate, 'trip_ended', NOT_AUTHORIZED);
    }
    // A client id names a session, and connecting with it takes the session over: each role may
    // use only client ids of its own identity (shared/src/client-ids.ts). The id CONNECT carried,
    // not Aedes's: an empty one (which Aedes fills in) is allowed only as the rules say.
    if (!clientIdAllowed(claims, gate.ctx.clientId ?? client.id).ok) {
      return refuse(client, gate, 'client_id_not_allowed', NOT_AUTHORIZED);
    }
    // A rider's token is a trip's: short-lived, and one rider may hold many. A persistent session
    // would queue its driver's presence for as long as the broker runs, for every tag a rider
    // invents: riders connect with clean sessions only.
    if (claims.role === 'rider' && !gate.ctx.clean) {
      return refuse(client, gate, 'persistent_session_not_allowed', NOT_AUTHORIZED);
    }
    // Only now, with the identity proven, does a connect count against its client id.
    const clientId = gate.ctx.clientId ?? client.id;
    const loop = deps.admitAuthenticated(clientId === '' ? `${claims.role}:${claims.sub}` : clientId, gate);
    if (loop !== null) return refusal(SERVER_UNAVAILABLE, loop);
    const willTopic = gate.ctx.willTopic;
    if (willTopic !== null) {
      const topic = parseTopic(willTopic);
      if (!topic.ok || !canPublish(claims, topic.value).ok)
        return refuse(client, gate, 'will_not_allowed', NOT_AUTHORIZED);
    }
    await noteSession(gate);
    // The checks above wait; a client that went meanwhile must not be marked online with no close
    // left to mark it offline.
    if (gate.destroyed) return gone();
    gate.ctx.claims = claims;
    // Presence first: packets pipelined behind CONNECT are judged as the live session's.
    deps.onAuthenticated(client, gate);
    gate.authenticated(claims);
    expiries.add(gate);
    return null;
  }

  return {
    /** The broker's close handler calls this for every connection that closes. */
    closed(gate: GatedConnection): void {
      expiries.forget(gate);
    },
    authenticate: (
      client: Client,
      _username: Readonly<string | undefined>,
      password: Readonly<Buffer | undefined>,
      done: (error: AuthenticateError | null, success: boolean | null) => void,
    ): void => {
      authenticate(client, password).then(
        (error) => {
          done(error, error === null);
        },
        (err: unknown) => {
          log.error({ err }, 'authenticate failed');
          done(refusal(NOT_AUTHORIZED, 'internal error'), false);
        },
      );
    },

    /**
     * A PUBLISH from the wire was judged by the gate, whose decision is final (it closed the
     * connection of a sender the access rules refuse: ingress/publish-policy.ts): it is not checked
     * again. What comes here unjudged is a will, published as its client goes: its topic was checked
     * at CONNECT (`will_not_allowed`); a will swept after its client is gone has no client.
     */
    authorizePublish: (client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void => {
      // `$` topics are the broker's in every mode: an open-mode will cannot take one either.
      if (packet.topic.startsWith('$')) done(new Error('$ topics are reserved'));
      else if (client === null || gateOf(client) !== undefined) done(null);
      else done(new Error('publish denied: no gate'));
    },

    /**
     * Every delivery passes here. A clean session's subscriptions were all authorized for its own
     * claims, so it costs one check. A resumed session (clean 0) also gets what was queued for it
     * while away, under the claims of the connection that subscribed: each such message is checked
     * against the claims of the connection that takes it now.
     */
    authorizeForward: (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null => {
      if (client.clean) return packet;
      const gate = gateOf(client);
      if (gate?.ctx.openMode === true) return packet;
      const claims = gate?.ctx.claims ?? null;
      const topic = parseTopic(packet.topic);
      if (claims === null || !topic.ok || topic.value.kind === 'owntracks') return null;
      return canSubscribe(claims, { driverId: topic.value.driverId, kind: topic.value.kind }).ok ? packet : null;
    },

    authorizeSubscribe: (
      client: Client,
      sub: Subscription,
      done: (error: Error | null, subscription?: Subscription | null) => void,
    ): void => {
      const gate = gateOf(client);
      if (gate?.ctx.openMode === true) {
        // Open mode keeps the protocol as it is, but $SYS stays closed.
        done(null, sub.topic.startsWith('$') ? null : sub);
        return;
      }
      const claims = gate?.ctx.claims ?? null;
      const filter = parseFilter(sub.topic);
      const allowed = filter.ok && claims !== null ? canSubscribe(claims, filter.value) : filter;
      if (allowed.ok) {
        done(null, sub);
        return;
      }
      metrics.aclDenials.inc({ action: 'subscribe', reason: allowed.reason });
      log.debug({ clientId: client.id, filter: sub.topic, reason: allowed.reason }, 'subscribe denied');
      // A null subscription makes Aedes answer 0x80 for this filter; the connection stays [MQTT-3.9.3].
      done(null, null);
    },
  };
}
