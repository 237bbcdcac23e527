import type { TransportName } from './types';

const NAMES: readonly TransportName[] = ['websocket', 'sse', 'long-poll', 'short-poll'];

/**
 * A transport name from a page parameter (`?transport=sse`), or null for the fallback order. Apart
 * from the transports themselves, so the page can read it without loading them.
 */
export function transportParam(value: string | null): TransportName | null {
  return value !== null && (NAMES as readonly string[]).includes(value) ? (value as TransportName) : null;
}
