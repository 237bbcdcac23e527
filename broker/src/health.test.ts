import { describe, expect, it } from 'vitest';
import { judgeHealth, type HealthInputs } from './health';

const fine: HealthInputs = {
  draining: false,
  indexUp: true,
  clusterUp: true,
  eventLoopLagMs: 0,
  maxEventLoopLagMs: 1000,
};

describe('judgeHealth', () => {
  it.each<[string, Partial<HealthInputs>, string, number, string[]]>([
    ['all well', {}, 'ok', 200, []],
    ['all well, not clustered', { clusterUp: null }, 'ok', 200, []],
    ['the index store away', { indexUp: false }, 'degraded', 503, ['index_unavailable']],
    ['the cluster Redis away', { clusterUp: false }, 'degraded', 503, ['cluster_unavailable']],
    ['both away', { indexUp: false, clusterUp: false }, 'degraded', 503, ['index_unavailable', 'cluster_unavailable']],
    ['overloaded', { eventLoopLagMs: 1500 }, 'degraded', 503, ['overloaded']],
    ['draining, whatever else', { draining: true, indexUp: false }, 'draining', 503, []],
  ])('%s', (_name, over, status, httpStatus, reasons) => {
    expect(judgeHealth({ ...fine, ...over })).toEqual({ status, httpStatus, reasons });
  });
});
