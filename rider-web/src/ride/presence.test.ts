import { describe, expect, it } from 'vitest';
import { Presence } from './presence';

describe('Presence', () => {
  it('is online until a status says otherwise', () => {
    const p = new Presence();
    expect(p.online).toBe(true);
    p.heardStatus({ online: false, ts: 1_000 });
    expect(p.online).toBe(false);
  });

  it('stays offline when a fix taken before the "offline" arrives after it', () => {
    const p = new Presence();
    p.heardFix(900);
    p.heardStatus({ online: false, ts: 1_000 });
    p.heardFix(999); // already on its way when the connection ended
    expect(p.online).toBe(false);
    p.heardFix(1_000);
    expect(p.online).toBe(false);
  });

  it('comes back with a fix taken after the "offline", or an "online" status', () => {
    const p = new Presence();
    p.heardStatus({ online: false, ts: 1_000 });
    p.heardFix(1_001);
    expect(p.online).toBe(true);
    p.heardStatus({ online: false, ts: 2_000 });
    p.heardStatus({ online: true, ts: 1_500 }); // a device clock behind the broker's
    expect(p.online).toBe(true);
    p.heardFix(1_600);
    expect(p.online).toBe(true);
  });

  it('takes no older "online" from a trip answer made before the "offline"', () => {
    const p = new Presence();
    p.heardStatus({ online: false, ts: 1_000 });
    p.heardAnswer(true, 990);
    expect(p.online).toBe(false);
    p.heardAnswer(true, 1_010);
    expect(p.online).toBe(true);
    p.heardAnswer(false, 1_020);
    expect(p.online).toBe(false);
  });
});
