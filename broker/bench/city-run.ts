/**
 * One measured import, in a process of its own so that its peak memory is its own: prints
 * {"ms", "maxRssMB", ...} as JSON. Modes: decode (reading the .osm.pbf only: the baseline), roads
 * (the simulator's import: the road graph), city (the broker's first start: import, tiles, cache),
 * cached (the broker's second start).
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { importCity, readOsmPbf } from '@ridetrack/shared';
import { loadCityMap } from '../src/map/city-map';

const [file = '', cacheDir = '', mode = 'city'] = process.argv.slice(2);
const started = performance.now();
let extra: Record<string, unknown> = {};
if (mode === 'decode') {
  let elements = 0;
  const count = (): void => {
    elements++;
  };
  const r = readOsmPbf(
    readFileSync(file),
    { node: count, way: count, relation: count },
    { inflate: (d) => inflateSync(d) },
  );
  if (!r.ok) throw new Error(r.reason);
  extra = { elements };
} else if (mode === 'roads') {
  const r = importCity(readFileSync(file), { basemap: false, inflate: (d) => inflateSync(d) });
  if (!r.ok) throw new Error(r.reason);
  extra = { roadNodes: r.value.graph.nodes.length };
} else {
  const r = await loadCityMap(file, { cacheDir });
  if (!r.ok) throw new Error(r.message);
  await r.value.close();
}
process.stdout.write(
  `${JSON.stringify({ ms: Math.round(performance.now() - started), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), ...extra })}\n`,
);
