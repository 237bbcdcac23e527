import { describe, expect, it } from 'vitest';
import { publishFrame } from './frames';
import { RetainedEchoes } from './retained-echoes';

const pub = (topic: string, payload: number[], retain: boolean, qos: 0 | 1 = 0) =>
  publishFrame({ topic, payload: Uint8Array.from(payload), qos, retain, packetId: 5 });

describe('RetainedEchoes', () => {
  it('takes the retained copy of a message just sent live after a SUBSCRIBE as an echo', () => {
    const e = new RetainedEchoes();
    e.subscribed(0);
    expect(e.isEcho(pub('a/b', [1, 2], false), 2, 10)).toBe(false);
    expect(e.isEcho(pub('a/b', [1, 2], true), 2, 20)).toBe(true);
    expect(e.isEcho(pub('a/b', [1, 2], true, 1), 2, 20)).toBe(true);
  });

  it('lets through a retained message that differs, one for another topic, and any outside the window', () => {
    const e = new RetainedEchoes();
    expect(e.isEcho(pub('a/b', [1], true), 2, 0)).toBe(false); // no SUBSCRIBE yet
    e.subscribed(0);
    e.isEcho(pub('a/b', [1], false), 2, 10);
    expect(e.isEcho(pub('a/b', [2], true), 2, 20)).toBe(false);
    expect(e.isEcho(pub('a/c', [1], true), 2, 20)).toBe(false);
    expect(e.isEcho(pub('a/b', [1], true), 2, 5000)).toBe(false);
  });
});
