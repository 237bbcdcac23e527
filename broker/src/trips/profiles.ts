import type { DriverProfile } from '@ridetrack/shared';

/**
 * Who a rider is told to look for. A deployment names its drivers in a profiles file
 * (`DRIVER_PROFILES_FILE`: `{"drv-00042": {"name": "Maria", "car": "Grey Toyota Prius", "plate":
 * "7KXM214"}}`), read once at start; drivers it does not name (and every driver when there is no
 * file, as with the simulator) get a made-up profile that is the same for the same id, so a demo
 * reads like a real app and never shows an id.
 */
export type ProfileDirectory = (driverId: string) => DriverProfile;

const NAMES = [
  'Maria',
  'James',
  'Aisha',
  'Daniel',
  'Sofia',
  'Kwame',
  'Elena',
  'Marcus',
  'Priya',
  'Tomás',
  'Grace',
  'Yusuf',
  'Hannah',
  'Andre',
  'Mei',
  'Olivia',
  'Samuel',
  'Fatima',
  'Lucas',
  'Nadia',
  'Ethan',
  'Rosa',
  'Omar',
  'Chloe',
  'Ivan',
  'Leila',
  'Noah',
  'Amara',
  'Victor',
  'Julia',
];
const COLOURS = ['Grey', 'White', 'Black', 'Silver', 'Blue', 'Red', 'Dark green'];
const MODELS = [
  'Toyota Prius',
  'Toyota Camry',
  'Honda Accord',
  'Honda Civic',
  'Hyundai Elantra',
  'Kia Niro',
  'Nissan Altima',
  'Ford Fusion',
  'Tesla Model 3',
  'Chevrolet Malibu',
  'Volkswagen Jetta',
  'Subaru Outback',
];
/** Plate letters without I, O and Q, which read as digits. */
const LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/** FNV-1a over the id: a stable, well-spread number per driver. */
function hash(s: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

/** A made-up profile, the same for the same driver id. */
export function madeUpProfile(driverId: string): DriverProfile {
  const plateNumber = hash(driverId, 3);
  let plate = String(1 + (plateNumber % 9));
  for (let i = 0; i < 3; i++) plate += LETTERS.charAt(hash(driverId, 10 + i) % LETTERS.length);
  plate += String(100 + (plateNumber % 900));
  return {
    name: pick(NAMES, hash(driverId, 1)),
    car: `${pick(COLOURS, hash(driverId, 2))} ${pick(MODELS, hash(driverId, 4))}`,
    plate,
  };
}

export type ProfilesReason = 'not_json' | 'not_object' | 'bad_profile';

/** Parses a profiles file's text: `{ driverId: { name, car, plate } }`. */
export function parseProfiles(
  text: string,
): { ok: true; value: Map<string, DriverProfile> } | { ok: false; reason: ProfilesReason; driverId?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not_object' };
  const out = new Map<string, DriverProfile>();
  for (const [driverId, p] of Object.entries(value as Record<string, unknown>)) {
    const r = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    const text = (k: string) => (typeof r[k] === 'string' && r[k].length > 0 ? r[k] : null);
    const name = text('name');
    const car = text('car');
    const plate = text('plate');
    if (name === null || car === null || plate === null) return { ok: false, reason: 'bad_profile', driverId };
    out.set(driverId, { name, car, plate });
  }
  return { ok: true, value: out };
}

/** The directory: the file's profiles first, made-up ones for anyone else. */
export function profileDirectory(known: ReadonlyMap<string, DriverProfile> = new Map()): ProfileDirectory {
  return (driverId) => known.get(driverId) ?? madeUpProfile(driverId);
}
