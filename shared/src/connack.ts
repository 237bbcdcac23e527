/**
 * What an MQTT 3.1.1 CONNACK return code means [MQTT-3.2.2.3], in the words of the standard, so
 * a client can say why the broker refused it rather than count an error.
 */
const RETURN_CODES: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** The standard's words for a refusal code (1-5); other codes are named by number. */
export function connackText(returnCode: number): string {
  return RETURN_CODES[returnCode] ?? `refused with return code ${returnCode}`;
}

/**
 * True for refusals that the same credentials will meet again (4, 5): retrying cannot help, so a
 * client should stop and say why. 3 (overloaded, or a reconnect ban) is worth retrying later.
 */
export function isCredentialRefusal(returnCode: number): boolean {
  return returnCode === 4 || returnCode === 5;
}
