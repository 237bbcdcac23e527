import { describe, expect, it } from 'vitest';
import { parseCli } from './cli';

describe('command line', () => {
  it('has working defaults', () => {
    expect(parseCli([], {})).toMatchObject({
      ok: true,
      value: { drivers: 100, brokers: ['mqtt://127.0.0.1:1883'], seed: 1 },
    });
  });

  it('takes a broker list, a transport and the secret from the environment', () => {
    expect(
      parseCli(['--broker', 'mqtt://a:1883', '--broker', 'ws://b:8080/mqtt'], { JWT_SECRET: 'x'.repeat(32) }),
    ).toMatchObject({
      ok: true,
      value: { brokers: ['mqtt://a:1883', 'ws://b:8080/mqtt'], secret: 'x'.repeat(32) },
    });
    expect(parseCli(['--transport', 'ws'], {})).toMatchObject({
      ok: true,
      value: { brokers: ['ws://127.0.0.1:8080/mqtt'] },
    });
  });

  it('takes simulated riders and the API they ask', () => {
    expect(parseCli([], {})).toMatchObject({ ok: true, value: { ridesPerMin: 0 } });
    expect(parseCli(['--rides-per-min', '2.5', '--api', 'http://127.0.0.1:8080'], {})).toMatchObject({
      ok: true,
      value: { ridesPerMin: 2.5, api: 'http://127.0.0.1:8080' },
    });
  });

  it.each([
    [['--drivers', 'abc'], /--drivers must be a number/],
    [['--drivers', '0'], /--drivers must be at least 1/],
    [['--drivers', '1.5'], /--drivers must be a whole number/],
    [['--broker', 'http://x'], /--broker must be a mqtt/],
    [['--transport', 'udp'], /--transport must be tcp, tls or ws/],
    [['--secret', 'short'], /^--secret must be at least 32 characters, like the broker's \(it has 5\)$/],
    [['--ramp=-1'], /--ramp must be above 0/],
    [['--ramp', '-1'], /--ramp/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['positional'], /positional/i],
    [['--drivers'], /--drivers/],
    [['--tunnels', '0.9'], /--tunnels must be between 0 and 0.5/],
    [['--dropouts-per-hour', 'often'], /--dropouts-per-hour must be a number/],
    [['--source-ips', 'localhost;rm'], /--source-ips must be IP addresses/],
    [['--rides-per-min', 'lots'], /--rides-per-min must be a number/],
    [['--rides-per-min=-1'], /--rides-per-min must be between 0 and 600/],
    [['--api', 'ftp://x'], /--api must be an http/],
    [['--api', 'http://x:8080/api'], /--api must be an http.* with no path/],
  ])('refuses %j naming the flag', (argv, message) => {
    const r = parseCli(argv, {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(message);
  });

  it('names JWT_SECRET, not a flag, when the short secret came from the environment, and wants no usage', () => {
    expect(parseCli([], { JWT_SECRET: 'short' })).toEqual({
      ok: false,
      reason: "JWT_SECRET must be at least 32 characters, like the broker's (it has 5)",
      usage: false,
    });
  });

  it('says where the secret came from and whether the broker was chosen', () => {
    expect(parseCli(['--secret', 'x'.repeat(32)], { JWT_SECRET: 'y'.repeat(32) })).toMatchObject({
      ok: true,
      value: { secret: 'x'.repeat(32), secretFrom: '--secret', brokerGiven: false, idPrefixGiven: false },
    });
    expect(parseCli(['--transport', 'ws', '--id-prefix', 'a-'], {})).toMatchObject({
      ok: true,
      value: { secretFrom: null, brokerGiven: true, idPrefixGiven: true, noObserver: false },
    });
  });
});
