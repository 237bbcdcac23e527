import { describe, expect, it } from 'vitest';
import { arrivalKey, RISE_CONFIRMATIONS, steadyArrival, type SteadyArrival } from './steady-eta';

const T0 = 1_000_000;
const s = (n: number) => n * 1000;

/** Feeds answers (estimate of the arrival, seconds after T0, every 2 s) and returns what is shown. */
function shownAfter(estimatesS: number[], key = 't-1:pickup'): number[] {
  let shown: SteadyArrival | null = null;
  return estimatesS.map((e, i) => {
    shown = steadyArrival(shown, key, { atMs: T0 + s(e), distanceM: 10 * e }, T0 + s(2 * i));
    return (shown.atMs - T0) / 1000;
  });
}

describe('steadyArrival', () => {
  it('follows an earlier estimate at once', () => {
    expect(shownAfter([300, 280, 250])).toEqual([300, 280, 250]);
  });

  it('does not go later for a wobble, however many answers carry it', () => {
    // A re-snapped route 20 s longer, on and off: the rider keeps seeing the same arrival.
    expect(shownAfter([300, 320, 320, 300, 318, 319])).toEqual([300, 300, 300, 300, 300, 300]);
  });

  it('goes later once a clearly later estimate holds for answers in a row', () => {
    expect(RISE_CONFIRMATIONS).toBe(2);
    expect(shownAfter([300, 400, 300, 400, 405])).toEqual([300, 300, 300, 300, 405]);
  });

  it('allows more wobble when the arrival is far off', () => {
    // 15% of 20 minutes is 3 minutes.
    expect(shownAfter([1200, 1350, 1350])).toEqual([1200, 1200, 1200]);
    expect(shownAfter([1200, 1400, 1400])).toEqual([1200, 1200, 1400]);
  });

  it('starts again for another target', () => {
    let shown = steadyArrival(null, 't-1:pickup', { atMs: T0 + s(100), distanceM: 900 }, T0);
    shown = steadyArrival(shown, 't-1:dropoff', { atMs: T0 + s(110), distanceM: 1000 }, T0 + s(2));
    expect(shown).toEqual({ key: 't-1:dropoff', atMs: T0 + s(110), distanceM: 1000, later: 0 });
  });

  it('shows the distance of every answer but a clearly later one not yet confirmed', () => {
    // A route that went round a block for one answer (3.3 km, then 4.2, then 3.2): never shown.
    const answers = [
      { atMs: T0 + s(240), distanceM: 3300 },
      { atMs: T0 + s(360), distanceM: 4200 },
      { atMs: T0 + s(236), distanceM: 3200 },
    ];
    let shown: SteadyArrival | null = null;
    const distances = answers.map((a, i) => (shown = steadyArrival(shown, 'k', a, T0 + s(2 * i))).distanceM);
    expect(distances).toEqual([3300, 3300, 3200]);
    // A car a little slower than estimated: each answer a few seconds later, its distance shown.
    shown = steadyArrival(null, 'k', { atMs: T0 + s(240), distanceM: 3300 }, T0);
    shown = steadyArrival(shown, 'k', { atMs: T0 + s(243), distanceM: 3280 }, T0 + s(2));
    expect(shown).toMatchObject({ atMs: T0 + s(240), distanceM: 3280 });
  });

  it('keys an arrival by trip and by what the car is heading for', () => {
    expect(arrivalKey({ id: 't-1', stage: 'assigned' })).toBe('t-1:pickup');
    expect(arrivalKey({ id: 't-1', stage: 'waiting' })).toBe('t-1:pickup');
    expect(arrivalKey({ id: 't-1', stage: 'on_trip' })).toBe('t-1:dropoff');
  });
});
