import { nextTick } from 'node:process';
import { finished } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { BrokerStream } from './broker-stream';

/** A stream whose reads take from a list, and that records what was written and how it closed. */
class Recorder extends BrokerStream {
  readonly sent: Buffer[] = [];
  readonly closing: string[] = [];
  readonly pending: Uint8Array[] = [];
  pulls = 0;

  give(chunk: Uint8Array | null): boolean {
    return this.handOver(chunk);
  }
  protected pull(): void {
    this.pulls++;
    const next = this.pending.shift();
    if (next !== undefined) this.handOver(next);
  }
  protected sendOut(bytes: Buffer): void {
    this.sent.push(bytes);
  }
  protected endTransport(): void {
    this.closing.push('end');
  }
  protected destroyTransport(): void {
    this.closing.push('destroy');
  }
  protected closed(): void {
    this.closing.push(`closed after ${this.listenerCount('close')} close listeners`);
  }
}

function events(stream: BrokerStream): string[] {
  const seen: string[] = [];
  for (const name of ['readable', 'end', 'error', 'close']) stream.on(name, () => seen.push(name));
  return seen;
}

describe('BrokerStream: the part of a Duplex that Aedes reads', () => {
  it("says 'readable' on the next tick, once until read, and gives everything handed over in one read", async () => {
    const s = new Recorder();
    const seen = events(s);
    expect(s.give(Uint8Array.of(1, 2))).toBe(false);
    s.give(Uint8Array.of(3));
    expect(seen).toEqual([]);
    await tick();
    expect(seen).toEqual(['readable']);
    s.give(Uint8Array.of(4));
    await tick();
    expect(seen).toEqual(['readable']); // not read since: no second 'readable'
    expect([...(s.read(null) ?? [])]).toEqual([1, 2, 3, 4]);
    expect(s.read(null)).toBeNull();
    s.give(Uint8Array.of(5));
    await tick();
    expect(seen).toEqual(['readable', 'readable']);
  });

  it('asks for more on every read, and returns what that hands over at once', () => {
    const s = new Recorder();
    s.pending.push(Uint8Array.of(7));
    expect([...(s.read(null) ?? [])]).toEqual([7]);
    expect(s.read(null)).toBeNull();
    expect(s.pulls).toBe(2);
  });

  it("ends once the rest is read: 'readable', then 'end', then the connection closes", async () => {
    const s = new Recorder();
    const seen = events(s);
    s.give(Uint8Array.of(1));
    s.give(null);
    expect(s.give(Uint8Array.of(2))).toBe(false); // nothing after the end
    await tick();
    expect(seen).toEqual(['readable']);
    expect([...(s.read(null) ?? [])]).toEqual([1]);
    expect(seen).toEqual(['readable']);
    await tick();
    await tick();
    // As Node's read: the one that takes the last bytes brings the end, not a later one (which a
    // client busy with its last packets might never make).
    expect(seen).toEqual(['readable', 'end', 'close']);
    expect(s.read(null)).toBeNull();
    expect(s.closing).toEqual(['end', 'destroy', 'closed after 1 close listeners']);
    expect(s.destroyed).toBe(true);
  });

  it('gathers what mqtt-packet writes for one packet, strings included, into one Buffer', async () => {
    const s = new Recorder();
    const packet = {
      cmd: 'publish',
      topic: 'd/drv-1/l',
      payload: Buffer.from('fix'),
      qos: 0,
      retain: false,
      dup: false,
    } as const;
    expect(mqttPacket.writeToStream(packet, s as never)).toBe(true);
    expect(s.sent).toEqual([]); // corked until the next tick
    await new Promise((resolve) => nextTick(resolve));
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0]).toEqual(mqttPacket.generate(packet));
    s.write('ab', 'utf8');
    expect(s.sent[1]?.toString()).toBe('ab');
  });

  it("is destroyed once: 'error' only to a listener, then 'close', and nothing written after", async () => {
    const quiet = new Recorder();
    const closed: string[] = [];
    quiet.on('close', () => closed.push('close'));
    quiet.destroy(new Error('no listener: must not throw'));
    quiet.destroy();
    await tick();
    expect(closed).toEqual(['close']);
    expect(quiet.closing).toEqual(['destroy', 'closed after 1 close listeners']);
    expect(quiet.write(Buffer.from('late'))).toBe(false); // as Node's: Aedes goes no further

    expect(quiet.sent).toEqual([]);
    expect(quiet.read(null)).toBeNull();

    const loud = new Recorder();
    const seen = events(loud);
    loud.give(Uint8Array.of(1));
    loud.destroy(new Error('boom'));
    await tick();
    expect(seen).toEqual(['error', 'close']); // no 'readable' once destroyed
  });

  it("lets Node's stream.finished, which Aedes uses, see it close", async () => {
    const s = new Recorder();
    let reported = 0;
    finished(s as never, () => reported++);
    await tick();
    expect(reported).toBe(0);
    s.destroy();
    await tick();
    expect(reported).toBe(1);
  });
});
