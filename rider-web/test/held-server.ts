import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { vi } from 'vitest';

export interface HeldServer {
  /** Resolves when the held answer's headers reached the page (its `await fetch` is done). */
  headersSeen: Promise<void>;
  /** Sends the held answer's body; resolves when it is written. */
  release(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP server for page code that fetches its own origin (`fetch` is stubbed to send the
 * page's relative URLs to it). The first request `hold` picks is answered with its headers at once
 * and its body only on `release()`: the window in which the page's state moves on while an older
 * answer is still being read. Call `vi.unstubAllGlobals()` after each test.
 */
export async function heldServer(
  answer: (method: string, url: URL) => { status?: number; body: unknown },
  hold: (method: string, url: URL) => boolean,
): Promise<HeldServer> {
  let held: { res: ServerResponse; body: string } | null = null;
  let seen: () => void = () => undefined;
  const headersSeen = new Promise<void>((resolve) => (seen = resolve));
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://page');
    const a = answer(method, url);
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
    if (held === null && hold(method, url)) {
      res.flushHeaders();
      held = { res, body: JSON.stringify(a.body) };
    } else res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const target = new URL(url, origin);
    const res = await realFetch(target, init);
    if (hold(init?.method ?? 'GET', target)) seen();
    return res;
  });
  return {
    headersSeen,
    release: () =>
      new Promise<void>((resolve) => {
        if (held === null) throw new Error('nothing held');
        held.res.end(held.body, resolve);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Lets the page's pending continuations run (the check made on the headers, and the body read begun). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
