import { describe, expect, it } from 'vitest';
import type { DriverProfile } from '@ridetrack/shared';
import { searchDrivers, whoText } from './driver-search';

const PROFILES: Record<string, DriverProfile> = {
  'drv-00001': { name: 'Yusuf', car: 'Red Hyundai Elantra', plate: '3BET273' },
  'drv-00002': { name: 'Maria José', car: 'Grey Toyota Prius', plate: '7KXM214' },
  'drv-00010': { name: 'Mei', car: 'Dark green Chevrolet Malibu', plate: '5LSZ104' },
  'drv-00100': { name: 'Marcus', car: 'White Toyota Camry', plate: '2ABC100' },
};
const IDS = Object.keys(PROFILES);
const find = (q: string, profiles = true) => searchDrivers(IDS, q, 8, profiles ? (id) => PROFILES[id] : undefined);

describe('searchDrivers', () => {
  it('finds by id: the id itself, then ids starting with it, then ids holding it', () => {
    expect(find('drv-00010')).toEqual(['drv-00010']);
    expect(find('DRV-000')).toEqual(['drv-00001', 'drv-00002', 'drv-00010']);
    expect(find('0010')).toEqual(['drv-00010', 'drv-00100']);
    expect(find('  ')).toEqual([]);
  });

  it('finds by plate however it is typed, a whole plate first', () => {
    expect(find('3bet 273')).toEqual(['drv-00001']);
    expect(find('7kxm-214')).toEqual(['drv-00002']);
    expect(find('5ls')).toEqual(['drv-00010']);
    // A whole plate ranks above ids that merely hold the same characters.
    expect(find('2ABC100')[0]).toBe('drv-00100');
  });

  it('finds by name (or a word of it) and by car', () => {
    expect(find('ma')).toEqual(['drv-00002', 'drv-00100']);
    expect(find('josé')).toEqual(['drv-00002']);
    expect(find('prius')).toEqual(['drv-00002']);
    expect(find('toyota')).toEqual(['drv-00002', 'drv-00100']);
  });

  it('matches by id only while profiles are not known, and keeps to the limit', () => {
    expect(find('yusuf', false)).toEqual([]);
    expect(searchDrivers(IDS, 'drv', 2)).toEqual(['drv-00001', 'drv-00002']);
  });

  it('names a found driver as the rider knows it', () => {
    expect(whoText(PROFILES['drv-00001'])).toBe('Yusuf · 3BET273');
    expect(whoText(undefined)).toBe(undefined);
  });
});
