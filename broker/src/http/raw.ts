import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from './require-role';

/**
 * What the routes written on node:http (live transports, fleet stream) share: reading the token of a
 * request and answering JSON.
 */

/** A request's token: a Bearer header or, since EventSource cannot send headers, `?access_token=` (RFC 6750 2.3). */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const header = bearerToken(req.headers.authorization);
  return header ?? url.searchParams.get('access_token') ?? undefined;
}

/** Answers JSON, not cached. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
