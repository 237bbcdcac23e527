/** Road-class speeds where a way has no usable maxspeed, m/s. */
const CLASS_SPEED_MPS: Record<string, number> = {
  motorway: 27.8,
  trunk: 22.2,
  primary: 16.7,
  secondary: 13.9,
  tertiary: 12.5,
  unclassified: 11.1,
  residential: 8.3,
  living_street: 4.2,
  service: 5.6,
  motorway_link: 16.7,
  trunk_link: 13.9,
  primary_link: 11.1,
  secondary_link: 11.1,
  tertiary_link: 11.1,
};
/** The OSM highway values a car may drive on. */
export const DRIVABLE: ReadonlySet<string> = new Set(Object.keys(CLASS_SPEED_MPS));
const NOT_FOR_CARS = new Set(['parking_aisle', 'driveway', 'drive-through', 'emergency_access']);

/** An OSM maxspeed ("50", "30 mph", "50 km/h") in m/s, or null when it says something else. */
export function parseMaxspeed(value: unknown): number | null {
  if (typeof value === 'number') return value > 0 ? value / 3.6 : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(mph|km\/h|kmh)?\s*$/i.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  return n > 0 ? (m[2]?.toLowerCase() === 'mph' ? n * 0.44704 : n / 3.6) : null;
}

/** Direction from OSM's oneway tag: 1 along the way, -1 against it, 0 both ways. */
export function onewayOf(tags: Record<string, unknown>): -1 | 0 | 1 {
  const v = tags['oneway'];
  if (v === 1 || v === '1' || v === 'yes' || v === true) return 1;
  if (v === -1 || v === '-1' || v === 'reverse') return -1;
  if (v === 'no' || v === 0 || v === '0') return 0;
  // Roundabouts and motorways are one-way unless tagged otherwise.
  if (tags['junction'] === 'roundabout' || tags['highway'] === 'motorway') return 1;
  return 0;
}

/** How a car may use a way: null when it may not (not a road, private, a parking aisle). */
export function drivableRoad(
  tags: Record<string, unknown>,
): { roadClass: string; speedMps: number; oneway: -1 | 0 | 1; name: string | undefined } | null {
  const highway = tags['highway'];
  if (typeof highway !== 'string' || !DRIVABLE.has(highway)) return null;
  const access = [tags['access'], tags['motor_vehicle'], tags['motorcar']];
  if (access.some((a) => a === 'no' || a === 'private')) return null;
  if (highway === 'service' && NOT_FOR_CARS.has(String(tags['service']))) return null;
  if (tags['area'] === 'yes') return null;
  return {
    roadClass: highway,
    speedMps: parseMaxspeed(tags['maxspeed']) ?? CLASS_SPEED_MPS[highway] ?? 8.3,
    oneway: onewayOf(tags),
    name: typeof tags['name'] === 'string' ? tags['name'] : undefined,
  };
}
