import { formatDevEnv, type DevEnv } from '@ridetrack/shared';
import type { TokenMinter } from './auth/tokens';

export interface DevTokens {
  /** Driver drv-00001 (its MQTT client id must be drv-00001). */
  driver: string;
  /** A rider who may follow drv-00001. */
  rider: string;
  operator: string;
  service: string;
}

/** Ready-made tokens for local use in dev mode. */
export async function devTokens(minter: TokenMinter, ttlS: number): Promise<DevTokens> {
  const riderExp = Math.floor(Date.now() / 1000) + ttlS;
  return {
    driver: await minter.mint({ role: 'driver', sub: 'drv-00001' }, ttlS),
    rider: await minter.mint({ role: 'rider', sub: 'rider-1', drivers: ['drv-00001'], exp: riderExp }, ttlS),
    operator: await minter.mint({ role: 'operator', sub: 'ops-1' }, ttlS),
    service: await minter.mint({ role: 'service', sub: 'svc-1' }, ttlS),
  };
}

/** The dev env file's text (shell lines), for `DEV_ENV_FILE`. */
export function devEnvText(
  where: { host: string; mqttPort: number; httpPort: number },
  secret: string,
  tokens: DevTokens,
  ttlS: number,
  nowMs: number,
): string {
  const env: DevEnv = {
    httpUrl: `http://${where.host}:${where.httpPort}`,
    mqttUrl: `mqtt://${where.host}:${where.mqttPort}`,
    wsUrl: `ws://${where.host}:${where.httpPort}/mqtt`,
    mqttHost: where.host.replace(/^\[|\]$/g, ''),
    mqttPort: where.mqttPort,
    secret,
    driverToken: tokens.driver,
    riderToken: tokens.rider,
    operatorToken: tokens.operator,
    serviceToken: tokens.service,
  };
  const expires = new Date(nowMs + ttlS * 1000).toISOString();
  return formatDevEnv(env, [
    `ridetrack dev mode: written by the broker at ${new Date(nowMs).toISOString()}, removed when it stops.`,
    `Tokens expire ${expires}. Use: source this file, then for example`,
    '  curl -H "authorization: Bearer $OPERATOR_TOKEN" "$RIDETRACK_HTTP_URL/healthz"',
    'Keep it private: the secret signs any token this broker accepts.',
  ]);
}
