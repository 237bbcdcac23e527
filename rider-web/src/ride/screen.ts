import type { LatLng, RiderTrip } from '@ridetrack/shared';
import { countdownText, freshnessText } from '../markers';
import { arrivalKey, type SteadyArrival } from './steady-eta';

/**
 * Every word the rider page shows, from one model, in one place: the headline, the big ETA, the
 * line under it, the driver card, the wait timer, the summary and which buttons there are. No
 * other module writes text, so no two texts can disagree (an ETA is never beside "out of date",
 * "arriving" never beside "10 min"). Pure: the clock is an argument.
 */

/** What the page knows: what it is doing, the trip, and the freshest word from the car. */
export interface RideModel {
  mode: 'setup' | 'requesting' | 'no_driver' | 'trip' | 'gone' | 'no_token' | 'refused';
  trip: RiderTrip | null;
  /** Page clock minus the broker's, so the broker's times count down on the page's clock. */
  clockSkewMs: number;
  /** The arrival the page shows for the trip's ETA, kept steady over answers (steady-eta.ts). */
  arrival: SteadyArrival | null;
  /** The car's newest fix as the page has it (feed or trip), device time, and its presence. */
  car: { fixMs: number; online: boolean } | null;
  /** A one-off word, e.g. why the driver changed. */
  notice: string | null;
  /** The rider tapped "Cancel ride" and is asked to confirm (the page drops it after a few seconds). */
  confirmingCancel: boolean;
  setup: {
    pickup: LatLng | null;
    /** The street the pickup is on, once the broker has put it there. */
    street: string | null;
    dropoff: LatLng | null;
    /** The destination's name when it was chosen by name (a park, a crossing): said rather than its street. */
    dropoffName: string | null;
    /** Where the next tap goes. */
    placing: 'pickup' | 'dropoff';
    cars: number | null;
    /** More cars are near than `cars` (the broker shows a dozen at most). */
    moreCars: boolean;
    nearestEtaS: number | null;
    /** The last place asked for is outside the served area. */
    outside: boolean;
    /** The ride from the pickup to the destination as the broker estimates it, once both are set. */
    estimate: { distanceM: number; durationS: number; street: string | null } | null;
    areaName: string;
  };
  devMode: boolean;
}

/** The model of a page that has done nothing yet: choosing a ride (dev mode), in `areaName`. */
export function newRideModel(areaName: string, devMode: boolean): RideModel {
  return {
    mode: 'setup',
    trip: null,
    clockSkewMs: 0,
    arrival: null,
    car: null,
    notice: null,
    confirmingCancel: false,
    setup: {
      pickup: null,
      street: null,
      dropoff: null,
      dropoffName: null,
      placing: 'pickup',
      cars: null,
      moreCars: false,
      nearestEtaS: null,
      outside: false,
      estimate: null,
      areaName,
    },
    devMode,
  };
}

export type Action =
  'locate' | 'request' | 'destination' | 'board' | 'cancel' | 'keep' | 'confirm_cancel' | 'done' | 'area';

export interface Screen {
  title: string;
  /** The big figure: "4" "min". Null when there is no honest one. */
  eta: { value: string; unit: string } | null;
  line: string;
  driver: { name: string; initials: string; car: string; plate: string } | null;
  /** The driver's wait at the pickup: time left, and true in its last half minute. */
  wait: { text: string; urgent: boolean } | null;
  summary: { distance: string; duration: string } | null;
  notice: string | null;
  actions: Action[];
  /** How fresh the car's position is; `stale` greys the car and forbids an ETA. */
  freshness: { text: string; stale: boolean } | null;
  /** Which of the map's things to show. */
  show: { car: boolean; pickup: boolean; dropoff: boolean; route: boolean; nearbyCars: boolean };
  /** The street search in the sheet, and what a place found there sets; null: no search. */
  search: 'pickup' | 'dropoff' | null;
}

/** A position older than this (or from an offline driver) is out of date: greyed, and no ETA from it. */
export const RIDER_STALE_MS = 15_000;
/** At or under this many seconds the driver is "arriving now". */
export const ARRIVING_NOW_S = 45;

const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

export function distanceText(m: number): string {
  return m < 950 ? `${Math.max(10, Math.round(m / 10) * 10)} m` : `${(m / 1000).toFixed(1)} km`;
}

export function durationText(s: number): string {
  const min = Math.max(1, Math.round(s / 60));
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** The big number of an ETA: whole minutes, rounded up (a car 70 s away is "2 min", never early). */
export function etaMinutes(leftS: number): string {
  return String(Math.max(1, Math.ceil(leftS / 60)));
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w.charAt(0).toUpperCase())
    .join('');
}

const NONE = { car: false, pickup: false, dropoff: false, route: false, nearbyCars: false };

/** The screen for a model at `nowMs` (page clock). */
export function riderScreen(
  m: RideModel,
  nowMs: number,
  formatClock: (ms: number) => string = (ms) => clock.format(ms),
): Screen {
  const base: Screen = {
    title: '',
    eta: null,
    line: '',
    driver: null,
    wait: null,
    summary: null,
    notice: m.notice,
    actions: [],
    freshness: null,
    show: NONE,
    search: null,
  };
  switch (m.mode) {
    case 'no_token':
      return {
        ...base,
        title: 'Open your ride from the app',
        line: 'This page shows a ride you booked in the app. Open it from there to follow your driver.',
      };
    case 'refused':
      return {
        ...base,
        title: 'This ride link no longer works',
        line: 'It has expired or was replaced. Open your ride from the app again.',
      };
    case 'gone':
      return {
        ...base,
        title: 'This trip no longer exists',
        line: 'It may have ended or been cancelled. Nothing more will happen on it.',
        actions: m.devMode ? ['done'] : [],
      };
    case 'setup':
    case 'requesting':
    case 'no_driver':
      return setupScreen(m, base);
    case 'trip':
      return m.trip === null
        ? { ...base, title: 'Loading your ride…' }
        : askingToCancel(m, m.trip, tripScreen(m, m.trip, base, nowMs, formatClock));
  }
}

function carsLine(s: RideModel['setup']): string {
  if (s.cars === null) return '';
  if (s.cars === 0) return 'No cars nearby right now';
  const n = s.cars === 1 && !s.moreCars ? '1 car nearby' : `${s.cars}${s.moreCars ? '+' : ''} cars nearby`;
  return s.nearestEtaS === null ? n : `${n} · closest about ${durationText(s.nearestEtaS)} away`;
}

function setupScreen(m: RideModel, base: Screen): Screen {
  const s = m.setup;
  const show = { ...NONE, pickup: s.pickup !== null, dropoff: s.dropoff !== null, nearbyCars: true };
  if (m.mode === 'requesting')
    return { ...base, title: 'Finding your driver…', line: 'Matching you with the closest available car.', show };
  if (s.outside)
    return {
      ...base,
      title: 'Outside our service area',
      line: `You're outside the area we serve. Rides are available in ${s.areaName}.`,
      actions: ['area'],
      show,
    };
  if (m.mode === 'no_driver')
    return {
      ...base,
      title: 'No cars available',
      line: 'No driver is free near your pickup right now. Try again in a minute.',
      actions: ['request', 'destination', 'locate'],
      show,
    };
  if (s.pickup === null)
    return {
      ...base,
      title: 'Where can we pick you up?',
      line:
        carsLine(s) === ''
          ? 'Tap the map or search a street to set your pickup.'
          : `Tap the map or search a street to set your pickup · ${carsLine(s)}`,
      actions: ['locate'],
      show,
      search: m.mode === 'setup' ? 'pickup' : null,
    };
  const on = s.street === null ? 'Pickup set.' : `Pickup on ${s.street}.`;
  // Where to, before a ride is requested (as Uber, Lyft and Bolt ask): the driver is told, the
  // rider sees the way and the time, and the ride never ends somewhere the rider did not choose.
  if (s.placing === 'dropoff')
    return {
      ...base,
      title: 'Where to?',
      line: 'Search a street, or tap the map where you are going.',
      actions: ['destination'],
      show,
      search: m.mode === 'setup' ? 'dropoff' : null,
    };
  const to =
    s.estimate === null
      ? 'Destination set.'
      : `To ${s.dropoffName ?? s.estimate.street ?? 'your destination'}: about ${durationText(s.estimate.durationS)}, ${distanceText(s.estimate.distanceM)}.`;
  const where = s.dropoff === null ? `${on} Where are you going?` : `${on} ${to}`;
  return {
    ...base,
    title: s.dropoff === null ? 'Confirm your pickup' : 'Confirm your ride',
    line: carsLine(s) === '' ? where : `${where} ${carsLine(s)}.`,
    actions: s.cars === 0 || s.dropoff === null ? ['destination', 'locate'] : ['request', 'destination', 'locate'],
    // The way from the pickup to the destination, once estimated.
    show: { ...show, route: s.dropoff !== null && s.estimate !== null },
  };
}

/**
 * One tap never cancels a ride (the button sits under the rider's thumb): the first asks, with what
 * cancelling gives up, over the same map, driver card and ETA; "Keep my ride" is the easy answer.
 */
function askingToCancel(m: RideModel, t: RiderTrip, screen: Screen): Screen {
  if (!m.confirmingCancel || !screen.actions.includes('cancel')) return screen;
  const name = t.driver.name;
  const line =
    t.stage === 'waiting'
      ? `${name} is waiting for you at the pickup.`
      : screen.eta !== null
        ? `${name} is ${screen.eta.value} ${screen.eta.unit} away. If you cancel, you'll need to request a new ride.`
        : `${name} is on the way. If you cancel, you'll need to request a new ride.`;
  return { ...screen, title: 'Cancel this ride?', line, notice: null, actions: ['keep', 'confirm_cancel'] };
}

function tripScreen(
  m: RideModel,
  t: RiderTrip,
  given: Screen,
  nowMs: number,
  formatClock: (ms: number) => string,
): Screen {
  const driver = { name: t.driver.name, initials: initials(t.driver.name), car: t.driver.car, plate: t.driver.plate };
  const fixMs = m.car?.fixMs ?? t.car?.fixMs ?? null;
  const online = m.car?.online ?? t.car?.online ?? false;
  const stale = fixMs === null || !online || nowMs - fixMs > RIDER_STALE_MS;
  const freshness =
    fixMs === null
      ? null
      : { text: online ? freshnessText(fixMs, nowMs) : `driver offline, ${freshnessText(fixMs, nowMs)}`, stale };
  const serverNow = nowMs - m.clockSkewMs;
  // The broker's ETA as of its answer, counted down on this page's clock; the steady arrival
  // where the page keeps one for this target.
  const held = m.arrival !== null && m.arrival.key === arrivalKey(t) ? m.arrival : null;
  const steady = held?.atMs ?? null;
  const toGoM = held?.distanceM ?? t.eta?.distanceM ?? 0;
  const leftS =
    t.eta === null || stale
      ? null
      : Math.max(0, steady === null ? t.eta.durationS - (serverNow - t.eta.atMs) / 1000 : (steady - nowMs) / 1000);
  const arriveAt = (s: number) => formatClock(nowMs + s * 1000);
  const live = { ...NONE, car: true, pickup: true };
  // A word about an earlier driver belongs to the approach of the new one; once the trip has moved
  // on (or ended) it would contradict what the screen says.
  const base = t.stage === 'assigned' || t.stage === 'waiting' ? given : { ...given, notice: null };
  switch (t.stage) {
    case 'assigned': {
      const show = { ...live, dropoff: t.dropoff !== null, route: !stale };
      if (!stale && t.eta === null)
        // A fresh position but no way to the pickup known (off the road network): no figure.
        return {
          ...base,
          title: 'Your driver is on the way',
          line: `Look for ${driver.car} · ${driver.plate}`,
          driver,
          freshness,
          actions: ['cancel'],
          show,
        };
      if (stale || leftS === null || t.eta === null)
        return {
          ...base,
          title: online ? "Waiting for your driver's location" : 'Your driver lost their connection',
          line: online
            ? `${driver.name} is on the way; the position shown is out of date.`
            : `We'll find you another driver if ${driver.name} doesn't come back in a few seconds.`,
          driver,
          freshness,
          actions: ['cancel'],
          show,
        };
      if (leftS <= ARRIVING_NOW_S)
        return {
          ...base,
          title: 'Your driver is arriving now',
          line: `Look for ${driver.car} · ${driver.plate}`,
          driver,
          freshness,
          actions: ['cancel'],
          show,
        };
      return {
        ...base,
        eta: { value: etaMinutes(leftS), unit: 'min' },
        title: 'Your driver is on the way',
        line: `Arrives around ${arriveAt(leftS)} · ${distanceText(toGoM)} away`,
        driver,
        freshness,
        actions: ['cancel'],
        show,
      };
    }
    case 'waiting': {
      const leftMs = t.waitUntilMs === null ? 0 : t.waitUntilMs - serverNow;
      return {
        ...base,
        title: 'Your driver is waiting',
        line:
          leftMs > 0
            ? `${driver.name} is at the pickup${t.streets.pickup === null ? '' : ` on ${t.streets.pickup}`} in a ${driver.car}. Tap "I'm in" once you're in the car.`
            : `${driver.name} has waited ${durationText(t.waitS)}. Tap "I'm in" now, or the ride will be cancelled.`,
        wait: { text: countdownText(leftMs), urgent: leftMs <= 30_000 },
        driver,
        freshness,
        actions: ['board', 'cancel'],
        show: { ...live, dropoff: t.dropoff !== null },
      };
    }
    case 'on_trip': {
      const show = { ...live, pickup: false, dropoff: t.dropoff !== null, route: !stale };
      // The driver started the trip from its app (the rider got in without tapping "I'm in").
      const started = t.startedBy === 'driver' ? `${driver.name} started the trip.` : null;
      if (t.dropoff === null || leftS === null || t.eta === null)
        return {
          ...base,
          title: 'On your way',
          line: stale ? 'The position shown is out of date.' : `Riding with ${driver.name}.`,
          notice: started,
          driver,
          freshness,
          show,
        };
      return {
        ...base,
        eta: leftS <= ARRIVING_NOW_S ? null : { value: etaMinutes(leftS), unit: 'min' },
        title: leftS <= ARRIVING_NOW_S ? 'Almost there' : 'On the way to your destination',
        line: `Arrive around ${arriveAt(leftS)} · ${distanceText(toGoM)} to go`,
        notice: started,
        driver,
        freshness,
        show,
      };
    }
    case 'completed':
      return {
        ...base,
        title: "You've arrived",
        line: `Thanks for riding with ${driver.name}.`,
        summary:
          t.summary === null
            ? null
            : { distance: distanceText(t.summary.distanceM), duration: durationText(t.summary.durationS) },
        driver,
        actions: m.devMode ? ['done'] : [],
        show: { ...NONE, dropoff: t.dropoff !== null },
      };
    case 'cancelled':
      return {
        ...base,
        title:
          t.endReason === 'no_driver'
            ? 'No driver available'
            : t.endReason === 'no_show'
              ? "Your driver couldn't wait any longer"
              : 'Ride cancelled',
        line:
          t.endReason === 'no_driver'
            ? `${driver.name} ${t.lost === 'offline' ? 'went offline' : 'could not continue'} and no other car is free nearby. You have not been charged.`
            : t.endReason === 'no_show'
              ? `${driver.name} waited ${durationText(t.waitS)} at the pickup, and the ride was cancelled.`
              : t.endReason === 'rider_cancelled'
                ? 'You cancelled this ride.'
                : 'This ride was ended by support.',
        actions: m.devMode ? ['done'] : [],
        show: { ...NONE, pickup: true },
      };
    case 'reassigned':
      return {
        ...base,
        title: 'Finding you a new driver…',
        line: `${driver.name} ${t.lost === 'offline' ? 'went offline' : 'can no longer make it'}.`,
        show: { ...NONE, pickup: true },
      };
  }
}
