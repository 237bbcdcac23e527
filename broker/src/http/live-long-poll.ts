import type { ServerResponse } from 'node:http';
import {
  cursorOf,
  fixesAfter,
  type Cursor,
  type LiveEndReason,
  type LivePoll,
  type LocationFix,
} from '@ridetrack/shared';
import type { LiveHub, LiveView } from '../live/hub';
import { errorBody } from './errors';
import { sendJson } from './raw';

export interface LongPoll {
  res: ServerResponse;
  driverId: string;
  view: LiveView;
  /** The client's cursor: fixes after it are news. */
  cursor: Cursor | null;
  hasCursor: boolean;
  timeoutMs: number;
  hub: LiveHub;
  /** Registers the held request; `end` answers it early. Returns the release to call when answering. */
  hold: (end: (reason?: LiveEndReason) => void) => () => void;
}

/**
 * Long polling, `GET /api/live/{driverId}/poll?after=`: fixes newer than the cursor at once if
 * there are some, else the request is held until the next fix or status, or the timeout (then an
 * empty answer with the same cursor).
 */
export function answerLongPoll(p: LongPoll): void {
  const { res, driverId, view, cursor } = p;
  const answer = (fixes: LocationFix[]): void => {
    const last = fixes.at(-1);
    const body: LivePoll = {
      driverId,
      fixes,
      status: view.status,
      cursor: last !== undefined ? cursorOf(last) : cursor === null ? null : `${cursor.timestampMs}.${cursor.seq}`,
    };
    sendJson(res, 200, body);
  };
  const ready = fixesAfter(view.history, cursor);
  // The first poll (no cursor) and a client that is behind are answered at once.
  if (!p.hasCursor || ready.length > 0) {
    answer(ready);
    return;
  }
  let done = false;
  const settle = (): boolean => {
    if (done) return false;
    done = true;
    unlisten();
    clearTimeout(timer);
    return true;
  };
  const release = p.hold((reason) => {
    if (!settle()) return;
    if (reason === undefined) sendJson(res, 503, errorBody('unavailable', 'shutting down'), { 'retry-after': '1' });
    else if (reason === 'token_expired')
      sendJson(res, 401, errorBody('unauthorized', 'token expired', { reason: 'expired' }));
    else sendJson(res, 403, errorBody('forbidden', 'the trip of this token has ended', { reason }));
  });
  const finish = (fixes: LocationFix[]): void => {
    if (!settle()) return;
    release();
    answer(fixes);
  };
  const unlisten = p.hub.listen(driverId, (event) => {
    finish(event.kind === 'fix' ? fixesAfter(view.history, cursor) : []);
  });
  const timer = setTimeout(() => finish([]), p.timeoutMs);
  res.once('close', () => settle());
}
