import type { IncomingMessage, ServerResponse } from 'node:http';
import { cursorOf, type LiveSnapshot } from '@ridetrack/shared';
import type { LiveView } from '../live/hub';
import { sendJson } from './raw';

/**
 * Short polling, `GET /api/live/{driverId}`: the driver's last fix and status now, with an ETag of
 * both, so a client polling on a timer gets `304 Not Modified` until something changed.
 */
export function answerShortPoll(req: IncomingMessage, res: ServerResponse, driverId: string, view: LiveView): void {
  const fix = view.history.at(-1) ?? null;
  const cursor = fix === null ? null : cursorOf(fix);
  const status = view.status;
  const etag = `"${cursor ?? '-'}:${status === null ? '-' : `${status.online ? 1 : 0}.${status.ts}`}"`;
  const headers = { etag, 'cache-control': 'private, no-cache' };
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body: LiveSnapshot = { driverId, fix, status, cursor };
  sendJson(res, 200, body, headers);
}
