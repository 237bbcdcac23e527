import { describe, expect, it } from 'vitest';
import { madeUpProfile, parseProfiles, profileDirectory } from './profiles';

describe('driver profiles', () => {
  it('makes up the same profile for the same id, with a name, a car and a plate, never the id', () => {
    const a = madeUpProfile('drv-00042');
    expect(madeUpProfile('drv-00042')).toEqual(a);
    expect(a.name).toMatch(/^[A-Z]/);
    expect(a.car).toMatch(/^\S+( \S+)+$/);
    expect(a.plate).toMatch(/^[1-9][A-HJ-NP-Z]{3}\d{3}$/);
    expect(JSON.stringify(a)).not.toContain('drv');
    const names = new Set(Array.from({ length: 50 }, (_, i) => madeUpProfile(`drv-${i}`).name));
    expect(names.size).toBeGreaterThan(10);
  });

  it('reads a profiles file, and says which entry is wrong', () => {
    const ok = parseProfiles('{"d-1": {"name": "Ana", "car": "Red Kia Niro", "plate": "1ABC234"}}');
    expect(ok.ok && profileDirectory(ok.value)('d-1')).toEqual({ name: 'Ana', car: 'Red Kia Niro', plate: '1ABC234' });
    expect(ok.ok && profileDirectory(ok.value)('d-2').name).toBe(madeUpProfile('d-2').name);
    expect(parseProfiles('nope')).toEqual({ ok: false, reason: 'not_json' });
    expect(parseProfiles('[]')).toEqual({ ok: false, reason: 'not_object' });
    expect(parseProfiles('{"d-1": {"name": "Ana"}}')).toEqual({ ok: false, reason: 'bad_profile', driverId: 'd-1' });
  });
});
