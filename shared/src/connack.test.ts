import { describe, expect, it } from 'vitest';
import { connackText, isCredentialRefusal } from './connack';

describe('CONNACK return codes', () => {
  it.each([
    [3, 'server unavailable', false],
    [4, 'bad user name or password', true],
    [5, 'not authorized', true],
    [9, 'refused with return code 9', false],
  ])('%i means %s', (code, text, credentials) => {
    expect(connackText(code)).toBe(text);
    expect(isCredentialRefusal(code)).toBe(credentials);
  });
});
