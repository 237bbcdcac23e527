import fc from 'fast-check';

/**
 * Hostile HTTP requests for the fuzzer: every route the broker serves, with methods, parameters,
 * headers and bodies drawn from values that have broken parsers elsewhere (huge and negative
 * numbers, NaN, hex, exponents, empty, long and non-ASCII strings), with and without valid tokens.
 */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const number = fc.oneof(
  fc.double({ noNaN: false }).map(String),
  fc.integer().map(String),
  fc.constantFrom(
    '',
    '0',
    '-0',
    '1e308',
    '-1e308',
    'NaN',
    'Infinity',
    '0x10',
    '1e',
    '.',
    '39.29',
    '-76.61',
    '500',
    '50000',
    '18',
  ),
  fc.string({ maxLength: 12 }),
);
const bbox = fc.oneof(
  fc.tuple(number, number, number, number).map((xs) => xs.join(',')),
  fc.constantFrom('-180,-90,180,90', '-76.8,39.1,-76.4,39.5', '-77,38,-75,40', '0,0,0,0', '1,2,3', 'a,b,c,d'),
);
const id = fc.oneof(
  fc.constantFrom('drv-00001', 'drv-fz1', 't-0', '..', '%2e%2e', '%00', 'x'.repeat(300)),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const query = fc
  .record(
    {
      lat: number,
      lng: number,
      radius_m: number,
      limit: number,
      status: fc.constantFrom('available', 'waiting', 'x', ''),
      bbox,
      res: number,
      after: fc.oneof(number, fc.constantFrom('1.2', '99999999999999999999.1', '-1.-1')),
      timeout_s: number,
      token: fc.constantFrom('garbage', ''),
    },
    { requiredKeys: [] },
  )
  .map((q) => new URLSearchParams(Object.entries<string>(q)).toString());

const path = fc.oneof(
  fc.constantFrom('/healthz', '/livez', '/metrics', '/', '/fleet', '/index.html', '/assets/../../etc/passwd', '/mqtt'),
  fc.constantFrom('/api/drivers/nearby', '/api/cells', '/api/trips', '/api/fleet/events'),
  id.map((i) => `/api/drivers/${i}`),
  id.map((i) => `/api/trips/${i}/complete`),
  fc.tuple(id, fc.constantFrom('', '/poll', '/events', '/x')).map(([i, s]) => `/api/live/${i}${s}`),
  fc.string({ maxLength: 30 }).map((s) => `/${encodeURIComponent(s)}`),
);

export function fuzzRequests(tokens: { operator: string; rider: string }): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
      path,
      query,
      auth: fc.constantFrom(`Bearer ${tokens.operator}`, `Bearer ${tokens.rider}`, 'Bearer garbage', 'Basic x', ''),
      encoding: fc.constantFrom('br', 'gzip', 'identity', '*;q=0', 'br;q=2, gzip;q=-1', ''),
      lastEventId: fc.oneof(fc.constant(''), number),
      body: fc.oneof(
        fc.constant(undefined),
        fc.json(),
        fc.constantFrom('{"pickup":{"lat":39.29,"lng":-76.61}}', '{"pickup":{"lat":"x"}}', '[]', 'null', '{'),
        fc.string({ maxLength: 64 }),
      ),
    })
    .map(({ method, path: p, query: q, auth, encoding, lastEventId, body }) => {
      const headers: Record<string, string> = {};
      if (auth !== '') headers['authorization'] = auth;
      if (encoding !== '') headers['accept-encoding'] = encoding;
      if (lastEventId !== '') headers['last-event-id'] = lastEventId;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
      return { method, path: q === '' ? p : `${p}?${q}`, headers, body: hasBody ? body : undefined };
    });
}

/** Sends one request; held responses (long poll, SSE) are cut after `holdMs`. The status, or 0. */
export async function send(base: string, r: FuzzRequest, holdMs: number): Promise<number> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), holdMs);
  try {
    const res = await fetch(`${base}${r.path}`, {
      method: r.method,
      headers: r.headers,
      ...(r.body === undefined ? {} : { body: r.body }),
      signal: abort.signal,
    });
    // Read (or drop) the body so the connection is reused; a held stream is cut by the abort.
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  } catch {
    return 0;
  } finally {
    clearTimeout(timer);
  }
}
