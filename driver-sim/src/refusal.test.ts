import { describe, expect, it } from 'vitest';
import { refusalText } from './refusal';

describe('why the broker refused', () => {
  it.each([
    [
      4,
      '.ridetrack/dev.env',
      /bad user name or password \(CONNACK 4\): token refused; it was signed with the secret from \.ridetrack\/dev\.env/,
    ],
    [4, null, /bad user name or password \(CONNACK 4\): no token sent, and this broker wants one/],
    [5, 'JWT_SECRET', /not authorized \(CONNACK 5\)/],
    [3, 'JWT_SECRET', /server unavailable \(CONNACK 3\)\.$/],
  ])('code %i, secret from %s', (code, from, text) => {
    expect(refusalText(code, 'driver drv-00001', 'mqtt://127.0.0.1:1883', from)).toMatch(text);
  });
});
