import type { RatePolicy } from '../adaptive-rate';
import type { SimulationStats } from '../simulation';

/**
 * The simulator's one-line progress, rewritten every second on a terminal:
 * "200 drivers · 200 online · 180 moving · 20 parked · 37 fixes/s · 3 trips". A parked car sends a
 * fix only every `maxIntervalS` and a moving one every `minMoveM`, so a quiet second is explained
 * rather than shown as a bare "0 msg/s".
 */
export function progressLine(s: SimulationStats, policy: Pick<RatePolicy, 'minMoveM' | 'maxIntervalS'>): string {
  const parts = [
    `${s.active.toLocaleString('en-US')} drivers`,
    s.connected >= s.active
      ? `${s.connected.toLocaleString('en-US')} online`
      : `${s.connected.toLocaleString('en-US')} of ${s.active.toLocaleString('en-US')} online`,
    `${s.moving.toLocaleString('en-US')} moving`,
    `${s.parked.toLocaleString('en-US')} parked`,
  ];
  let fixes = `${s.publishedLastSecond.toLocaleString('en-US')} fixes/s`;
  if (s.publishedLastSecond === 0 && s.connected > 0)
    fixes += ` (a car reports every ${policy.minMoveM} m, or every ${policy.maxIntervalS} s when parked)`;
  else if (s.publishedLastSecond === 0) fixes += ' (none online yet)';
  parts.push(fixes, `${s.trips.toLocaleString('en-US')} trips`);
  if (s.gpsBlind > 0) parts.push(`${s.gpsBlind.toLocaleString('en-US')} without GPS`);
  if (s.reconnects > 0) parts.push(`${s.reconnects.toLocaleString('en-US')} reconnects`);
  if (s.errors > 0) parts.push(`${s.errors.toLocaleString('en-US')} errors`);
  return parts.join(' · ');
}
