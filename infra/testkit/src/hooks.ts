import { afterAll, beforeAll } from 'vitest';

/**
 * Starts something before the block's tests (beforeAll) and stops it after them (afterAll); the
 * getter fails, naming `what`, if read before it started. The one start/stop pair behind every
 * `use*` helper of the kit and of the broker's tests. vitest runs after-hooks as a stack, so
 * what a file registers after this one (its clients, a simulator) stops before it does.
 */
export function useStarted<T>(
  start: () => Promise<T>,
  stop: (value: T) => Promise<unknown>,
  what: string,
  timeoutMs?: number,
): () => T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await start();
  }, timeoutMs);
  afterAll(async () => {
    if (value !== undefined) await stop(value);
  });
  return () => {
    if (value === undefined) throw new Error(`${what} starts in beforeAll: read it inside a test or hook`);
    return value;
  };
}

/** Settings, or a function that gives them when the thing starts (after the hooks before it). */
export type Settings = Record<string, string> | (() => Record<string, string>);

export const settingsOf = (settings: Settings): Record<string, string> =>
  typeof settings === 'function' ? settings() : settings;
