import { request } from 'node:http';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeLocation,
  locationTopic,
  statusTopic,
  type LivePoll,
  type LiveSnapshot,
  type LocationFix,
} from '@ridetrack/shared';
import {
  collect,
  connectClient,
  driverClaims,
  metricValue,
  operatorClaims,
  packetOf,
  riderClaims,
  useTestBroker,
} from './harness';
import { until } from '@ridetrack/testkit';
import { bearer, getJson, openSse } from './live-client';

const drivers = new Map<string, MqttClient>();
const seqs = new Map<string, number>();

/** Publishes the driver's next fix at QoS 1: resolved once the broker has routed it. */
async function publishFix(driverId: string): Promise<number> {
  let client = drivers.get(driverId);
  if (client === undefined) {
    client = await connectClient(t.tcpUrl, driverId, await t.token(driverClaims(driverId)));
    drivers.set(driverId, client);
  }
  const seq = (seqs.get(driverId) ?? 0) + 1;
  seqs.set(driverId, seq);
  await client.publishAsync(locationTopic(driverId), packetOf(seq), { qos: 1 });
  return seq;
}

const riderToken = (driverId: string, ttlS = 3600) =>
  t.token({ ...riderClaims(driverId), exp: Math.floor(Date.now() / 1000) + ttlS }, ttlS);
const live = (driverId: string, path = '') => `${t.httpUrl}/api/live/${driverId}${path}`;
const health = async () =>
  (await getJson<{ live: { 'long-poll': number; sse: number; listeners: number } }>(`${t.httpUrl}/healthz`)).body.live;

const t = useTestBroker({ PUBLISH_RATE_PER_S: '1000', PUBLISH_BURST: '1000', SSE_HEARTBEAT_MS: '1000' });
afterAll(async () => {
  await Promise.all([...drivers.values()].map((c) => c.endAsync()));
});

describe('short polling', () => {
  it('answers the latest fix with an ETag, and 304 while it has not changed', async () => {
    const token = await riderToken('sp-1');
    const empty = await getJson<LiveSnapshot>(live('sp-1'), bearer(token));
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ driverId: 'sp-1', fix: null, cursor: null });

    await publishFix('sp-1');
    const first = await getJson<LiveSnapshot>(live('sp-1'), bearer(token));
    expect(first.body.fix?.seq).toBe(1);
    expect(first.body.status?.online).toBe(true);
    const etag = String(first.headers.etag);
    expect(first.headers['cache-control']).toContain('no-cache');

    const unchanged = await getJson(live('sp-1'), { ...bearer(token), 'if-none-match': etag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBeNull();

    await publishFix('sp-1');
    const changed = await getJson<LiveSnapshot>(live('sp-1'), { ...bearer(token), 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.fix?.seq).toBe(2);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('starts from the retained last position for a driver nobody followed yet', async () => {
    await publishFix('sp-2');
    await publishFix('sp-2');
    const answer = await getJson<LiveSnapshot>(live('sp-2'), bearer(await riderToken('sp-2')));
    expect(answer.body.fix?.seq).toBe(2);
    expect(answer.body.cursor).toBe(`${String(answer.body.fix?.timestampMs)}.2`);
  });
});

describe('refusals: a clear reason, counted, nothing held', () => {
  it.each([
    ['no token', () => Promise.resolve({}), 401, 'missing_token'],
    ['a forged token', () => Promise.resolve(bearer('x.y.z')), 401, 'malformed_token'],
    ['a rider of another driver', async () => bearer(await riderToken('someone-else')), 403, 'driver_not_in_token'],
    ['a driver token', async () => bearer(await t.token(driverClaims('ref-1'))), 403, 'role_cannot_follow'],
  ])('%s', async (_name, headers, status, reason) => {
    const before = await metricValue(t.broker, 'ridetrack_live_refused_total', { reason });
    for (const path of ['', '/poll', '/events']) {
      const answer = await getJson(live('ref-1', path), await headers());
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ reason });
    }
    expect(await metricValue(t.broker, 'ridetrack_live_refused_total', { reason })).toBe(before + 3);
  });

  it.each([
    ['/api/live/not%20an%20id', 'driverId'],
    ['/api/live/%E0%A4%A', 'driverId'],
    ['/api/live/ref-2/poll?after=yesterday', 'after'],
    ['/api/live/ref-2/poll?after=1.1&timeout_s=0', 'timeout_s'],
    ['/api/live/ref-2/poll?after=1.1&timeout_s=ten', 'timeout_s'],
    ['/api/live/ref-2/events?after=1', 'after'],
  ])('%s names the bad parameter %s', async (path, parameter) => {
    const answer = await getJson(`${t.httpUrl}${path}`, bearer(await t.token(operatorClaims)));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'bad_parameter', parameter });
  });

  it('a bad Last-Event-ID is named too', async () => {
    const answer = await getJson(live('ref-2', '/events'), {
      ...bearer(await t.token(operatorClaims)),
      'last-event-id': 'garbage',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ parameter: 'Last-Event-ID' });
  });

  it('only GET', async () => {
    const answer = await getJson(live('ref-2'), bearer(await t.token(operatorClaims)), 'POST');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toContain('GET');
  });
});

describe('long polling', () => {
  it('answers at once without a cursor or when a newer fix exists, else when one arrives', async () => {
    const token = await riderToken('lp-1');
    await publishFix('lp-1');
    const first = await getJson<LivePoll>(live('lp-1', '/poll'), bearer(token));
    expect(first.body.fixes.map((f) => f.seq)).toEqual([1]);
    const cursor = String(first.body.cursor);

    await publishFix('lp-1');
    await publishFix('lp-1');
    const behind = await getJson<LivePoll>(live('lp-1', `/poll?after=${cursor}`), bearer(token));
    expect(behind.body.fixes.map((f) => f.seq)).toEqual([2, 3]);

    const held = getJson<LivePoll>(live('lp-1', `/poll?after=${String(behind.body.cursor)}`), bearer(token));
    await until(health, 'one long poll waiting', { ok: (h) => h['long-poll'] === 1 });
    await publishFix('lp-1');
    const woken = await held;
    expect(woken.body.fixes.map((f) => f.seq)).toEqual([4]);
  });

  it('answers with no fixes and the same cursor at the timeout', async () => {
    const token = await riderToken('lp-2');
    await publishFix('lp-2');
    const { body } = await getJson<LivePoll>(live('lp-2', '/poll'), bearer(token));
    const timedOut = await getJson<LivePoll>(
      live('lp-2', `/poll?after=${String(body.cursor)}&timeout_s=1`),
      bearer(token),
    );
    expect(timedOut.status).toBe(200);
    expect(timedOut.body.fixes).toEqual([]);
    expect(timedOut.body.cursor).toBe(body.cursor);
  });
});

describe('Server-Sent Events', () => {
  it('streams status and fixes with ids, and resumes from Last-Event-ID without gaps', async () => {
    const token = await riderToken('sse-1');
    await publishFix('sse-1');
    const first = await openSse(live('sse-1', '/events'), bearer(token));
    expect(first.response.headers['content-type']).toContain('text/event-stream');
    expect((await first.atLeast(1, 'status'))[0]?.data).toContain('"online":true');
    await publishFix('sse-1');
    await publishFix('sse-1');
    const seen = await first.atLeast(3, 'location');
    expect(seen.map((e) => (JSON.parse(e.data) as LocationFix).seq)).toEqual([1, 2, 3]);
    const lastId = String(seen[2]?.id);
    first.close();

    for (let i = 0; i < 5; i++) await publishFix('sse-1');
    const resumed = await openSse(live('sse-1', '/events'), { ...bearer(token), 'last-event-id': lastId });
    const missed = await resumed.atLeast(5, 'location');
    expect(missed.map((e) => (JSON.parse(e.data) as LocationFix).seq)).toEqual([4, 5, 6, 7, 8]);
    expect(missed.map((e) => e.id)).toEqual(
      missed.map(
        (e) => `${(JSON.parse(e.data) as LocationFix).timestampMs}.${(JSON.parse(e.data) as LocationFix).seq}`,
      ),
    );
    resumed.close();
  });

  it('sends heartbeat comments while idle', async () => {
    const token = await riderToken('sse-2');
    const stream = await openSse(live('sse-2', '/events'), bearer(token));
    const beat = await new Promise<string>((resolve) => {
      stream.response.on('data', (c: string) => {
        if (c.includes(': hb')) resolve(c);
      });
    });
    expect(beat).toBe(': hb\n\n');
    expect(stream.raw[0]).toMatch(/^retry: \d+\n\n/);
    stream.close();
  });

  it('ends the stream with a reason when the token expires', async () => {
    const stream = await openSse(live('sse-3', '/events'), bearer(await riderToken('sse-3', 1)));
    const [end] = await stream.atLeast(1, 'end');
    expect(JSON.parse(String(end?.data))).toEqual({ reason: 'token_expired' });
    await stream.ended;
  });
});

describe('every transport', () => {
  it('delivers every fix in order to the authorized rider and nothing of other drivers', async () => {
    const token = await riderToken('all-a');
    await publishFix('all-a');
    await publishFix('all-b');
    const sse = await openSse(live('all-a', '/events'), bearer(token));
    await sse.atLeast(1, 'location');
    const ws = await connectClient(t.wsUrl, 'rider:rider-1:all', token);
    // The retained last fix (seq 1) comes first on MQTT, as the first SSE event does.
    const wsGot = collect(ws, 21, locationTopic('all-a'));
    await ws.subscribeAsync([locationTopic('all-a'), statusTopic('all-a')]);
    const polled: number[] = [];
    const pollLoop = (async () => {
      let cursor = (await getJson<LivePoll>(live('all-a', '/poll'), bearer(token))).body.cursor;
      while (polled.length < 20) {
        const { body } = await getJson<LivePoll>(live('all-a', `/poll?after=${String(cursor)}`), bearer(token));
        polled.push(...body.fixes.map((f) => f.seq));
        cursor = body.cursor;
      }
    })();
    await until(health, 'a long poll waiting', { ok: (h) => h['long-poll'] >= 1 });
    for (let i = 0; i < 20; i++) {
      await publishFix('all-a');
      await publishFix('all-b');
    }
    const expected = Array.from({ length: 20 }, (_, i) => i + 2);
    const sseSeqs = (await sse.atLeast(21, 'location')).map(
      (e) => (JSON.parse(e.data) as LocationFix & { driverId?: string }).seq,
    );
    expect(sseSeqs).toEqual([1, ...expected]);
    await pollLoop;
    expect(polled).toEqual(expected);
    const wsFixes = (await wsGot).map((p) => decodeLocation(p));
    expect(wsFixes.map((f) => (f.ok ? f.value.seq : -1))).toEqual([1, ...expected]);
    // Nothing of all-b: the SSE stream held only all-a's fixes (same seqs would show as duplicates).
    expect(sse.events.filter((e) => e.event === 'location')).toHaveLength(21);
    sse.close();
    await ws.endAsync();
  });
});

describe('clients that go away', () => {
  it('leave no held request, listener or timer behind', async () => {
    const token = await riderToken('gone-1');
    await publishFix('gone-1');
    const { body } = await getJson<LivePoll>(live('gone-1', '/poll'), bearer(token));
    const streams = await Promise.all(
      Array.from({ length: 40 }, () => openSse(live('gone-1', '/events'), bearer(token))),
    );
    const polls = Array.from({ length: 40 }, () => {
      const req = request(live('gone-1', `/poll?after=${String(body.cursor)}`), {
        headers: bearer(token),
        agent: false,
      });
      req.on('error', () => undefined);
      req.end();
      return req;
    });
    const open = await until(health, '40 streams and 40 long polls open', {
      ok: (h) => h.sse === 40 && h['long-poll'] === 40,
    });
    expect(open).toMatchObject({ sse: 40, 'long-poll': 40, listeners: 80 });
    for (const s of streams) s.close();
    for (const p of polls) p.destroy();
    const after = await until(health, 'every stream, long poll and listener gone', {
      ok: (h) => h.sse === 0 && h['long-poll'] === 0 && h.listeners === 0,
    });
    expect(after).toMatchObject({ sse: 0, 'long-poll': 0, listeners: 0 });
    expect(await metricValue(t.broker, 'ridetrack_live_open')).toBe(0);
  });
});
