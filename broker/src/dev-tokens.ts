import type { TokenMinter } from './auth/tokens';

/** Ready-made tokens for local use in dev mode, printed at start. */
export async function devTokens(minter: TokenMinter, ttlS: number): Promise<Record<string, string>> {
  const riderExp = Math.floor(Date.now() / 1000) + ttlS;
  return {
    'driver (client id drv-00001)': await minter.mint({ role: 'driver', sub: 'drv-00001' }, ttlS),
    'rider (watches drv-00001)': await minter.mint(
      { role: 'rider', sub: 'rider-1', drivers: ['drv-00001'], exp: riderExp },
      ttlS,
    ),
    operator: await minter.mint({ role: 'operator', sub: 'ops-1' }, ttlS),
    service: await minter.mint({ role: 'service', sub: 'svc-1' }, ttlS),
  };
}
