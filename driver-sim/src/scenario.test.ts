import { describe, expect, it } from 'vitest';
import { parseScenario, peakDrivers } from './scenario';

describe('scenario files', () => {
  it('parse fleet steps, dropouts and events, in time order', () => {
    const parsed = parseScenario({
      durationS: 90,
      fleet: [
        { at: 60, drivers: 50 },
        { at: 0, drivers: 100 },
        { at: 30, drivers: 300 },
      ],
      dropouts: { tunnelShare: 0.02, perHour: 4 },
      events: [
        { at: 45, exec: ['systemctl', 'restart', 'ridetrack-broker@node1'] },
        { at: 20, networkDropout: { share: 0.2, seconds: 10 } },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.value.fleet).toEqual([
      { atS: 0, drivers: 100 },
      { atS: 30, drivers: 300 },
      { atS: 60, drivers: 50 },
    ]);
    expect(parsed.value.dropouts).toEqual({ tunnelShare: 0.02, perHour: 4, minS: 5, maxS: 30 });
    expect(parsed.value.events).toEqual([
      { atS: 20, kind: 'network_dropout', share: 0.2, seconds: 10 },
      { atS: 45, kind: 'exec', command: ['systemctl', 'restart', 'ridetrack-broker@node1'] },
    ]);
    expect(peakDrivers(parsed.value)).toBe(300);
  });

  it.each([
    [null, 'scenario'],
    [{}, 'fleet'],
    [{ fleet: [] }, 'fleet: needs at least one step'],
    [{ fleet: [{ at: 5, drivers: 1 }] }, 'the first step must be at 0'],
    [{ fleet: [{ at: 0, drivers: 1.5 }] }, 'fleet.0.drivers: must be a whole number'],
    [{ fleet: [{ at: -1, drivers: 1 }] }, 'fleet.0.at'],
    [{ fleet: [{ at: 0, drivers: 1 }], surprise: 1 }, 'surprise'],
    [{ fleet: [{ at: 0, drivers: 1 }], dropouts: { tunnelShare: 0.9 } }, 'dropouts.tunnelShare'],
    [{ fleet: [{ at: 0, drivers: 1 }], dropouts: { minS: 40, maxS: 10 } }, 'minS must not exceed maxS'],
    [{ fleet: [{ at: 0, drivers: 1 }], events: [{ at: 1, exec: [] }] }, 'events.0'],
    [{ fleet: [{ at: 0, drivers: 1 }], events: [{ at: 1, reboot: true }] }, 'events.0'],
  ])('refuses %j naming what is wrong', (json, reason) => {
    const parsed = parseScenario(json);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});
