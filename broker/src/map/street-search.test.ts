import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildGraph, distanceM, importCity, namedPlaces, type LatLng, type RoadLine } from '@ridetrack/shared';
import { StreetSearch, words } from './street-search';

const M = 1 / 111_320;
const K = 1 / (111_320 * Math.cos((39.29 * Math.PI) / 180));
const at = (northM: number, eastM: number): LatLng => ({ lat: 39.29 + northM * M, lng: -76.6 + eastM * K });
const road = (name: string, points: LatLng[]): RoadLine => ({ points, speedMps: 10, oneway: false, name });

/**
 * A long avenue running east (2 km), two streets crossing it, and a street whose name contains the
 * avenue's: enough to tell a street, its nearest part and a crossing apart.
 */
const graph = buildGraph(
  [
    road('Eastern Avenue', [at(0, 0), at(0, 500), at(0, 1000), at(0, 1500), at(0, 2000)]),
    road('South Highland Avenue', [at(-300, 1500), at(0, 1500), at(300, 1500)]),
    road('South Conkling Street', [at(-300, 500), at(0, 500), at(300, 500)]),
    road('Eastern Avenue Underpass', [at(500, 0), at(500, 400)]),
    road('Fleet Street', [at(200, 0), at(200, 2000)]),
  ],
  null,
);
const search = new StreetSearch(graph);

describe('street search', () => {
  it('reads what people type: case, accents, punctuation and the usual abbreviations', () => {
    expect(words('  S. Highland Ave.  ')).toEqual(['south', 'highland', 'avenue']);
    expect(words('Côte-Saint-Luc Rd')).toEqual(['cote', 'saint', 'luc', 'road']);
  });

  it('finds a street from a prefix, whole names first, at the part nearest the rider', () => {
    const hits = search.search('eastern av', at(50, 1900));
    expect(hits.map((h) => h.name)).toEqual(['Eastern Avenue', 'Eastern Avenue Underpass']);
    // The middle of the avenue's block nearest the rider (at 2 km east), not of the avenue, and not
    // a corner it shares with another street.
    expect(distanceM(hits[0] as LatLng, at(0, 1750))).toBeLessThan(1);
    expect(hits[0]?.kind).toBe('street');
    expect(search.search('highland', null).map((h) => h.name)).toEqual(['South Highland Avenue']);
    expect(search.search('s highland ave', null).map((h) => h.name)).toEqual(['South Highland Avenue']);
    // A house number is read past: the street is found.
    expect(search.search('2800 Eastern Ave', null)[0]?.name).toBe('Eastern Avenue');
  });

  it('finds where two streets cross', () => {
    const hits = search.search('eastern & highland', null);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ name: 'Eastern Avenue & South Highland Avenue', kind: 'crossing' });
    expect(distanceM(hits[0] as LatLng, at(0, 1500))).toBeLessThan(1);
    // In the order typed.
    expect(search.search('conkling and eastern ave', null)[0]?.name).toBe('South Conkling Street & Eastern Avenue');
    // Streets that never meet: no crossing.
    expect(search.search('fleet & highland', null)).toEqual([]);
  });

  it('finds a named place, as one point, before a street named after it', () => {
    const withPark = new StreetSearch(graph, [{ name: 'Fleet Park', kind: 'park', lat: 39.3, lng: -76.59 }]);
    const hits = withPark.search('fleet', null);
    expect(hits.map((h) => [h.name, h.kind])).toEqual([
      ['Fleet Park', 'park'],
      ['Fleet Street', 'street'],
    ]);
    expect(withPark.search('fleet park', null)[0]).toEqual({
      name: 'Fleet Park',
      kind: 'park',
      lat: 39.3,
      lng: -76.59,
    });
  });

  it('answers nothing for nothing, or for a name no street has', () => {
    expect(search.search('', null)).toEqual([]);
    expect(search.search('  ,.; ', null)).toEqual([]);
    expect(search.search('boston street', null)).toEqual([]);
    expect(search.search('x'.repeat(10_000), null)).toEqual([]);
  });

  it('finds the demo city’s streets and crossings', () => {
    const pbf = readFileSync(join(import.meta.dirname, '../../../infra/cities/baltimore/baltimore.osm.pbf'));
    const city = importCity(pbf, { basemap: true, inflate: (d) => inflateSync(d) });
    if (!city.ok) throw new Error(city.reason);
    const baltimore = new StreetSearch(city.value.graph, namedPlaces(city.value.basemap));
    const near = { lat: 39.285, lng: -76.575 }; // Canton
    expect(baltimore.search('eastern ave', near)[0]?.name).toBe('Eastern Avenue');
    const crossing = baltimore.search('Eastern Ave & S Highland Ave', near)[0];
    expect(crossing?.name).toBe('Eastern Avenue & South Highland Avenue');
    expect(distanceM(crossing as LatLng, { lat: 39.2862, lng: -76.5701 })).toBeLessThan(150);
    // Neighbourhoods and parks by name, before the streets named after them.
    expect(baltimore.search('canton', near)[0]).toMatchObject({ name: 'Canton', kind: 'neighbourhood' });
    expect(baltimore.search('patterson park', near)[0]).toMatchObject({ name: 'Patterson Park', kind: 'park' });
    expect(baltimore.search('fells point', near)[0]).toMatchObject({ name: 'Fells Point', kind: 'neighbourhood' });
  });
});
