import type { ServerResponse } from 'node:http';
import { cursorOf, fixesAfter, type Cursor, type LiveEndReason, type LocationFix } from '@ridetrack/shared';
import type { LiveHub, LiveView } from '../live/hub';

export interface EventStream {
  res: ServerResponse;
  driverId: string;
  view: LiveView;
  /** Where the client resumes (Last-Event-ID or `?after=`): fixes after it are sent first. */
  cursor: Cursor | null;
  hub: LiveHub;
  /** The reconnection delay the client is told (`retry:`). */
  retryMs: number;
  /** Bytes the reader may leave unread before fixes for it are coalesced to the newest. */
  maxBufferedBytes: number;
  /** A fix replaced by a newer one for a reader that does not keep up. */
  shed: () => void;
  /** Registers the held stream; `end` closes it early. Returns the release to call when it closes. */
  hold: (end: (reason?: LiveEndReason) => void) => () => void;
  /** The stream opened and closed: its heartbeat (LiveHttp beats every stream with one timer). */
  beat: { add(res: ServerResponse): void; delete(res: ServerResponse): void };
}

/**
 * Server-Sent Events, `GET /api/live/{driverId}/events`: the status and the fixes after the
 * cursor, then every status and fix as it comes; a reader that stops reading gets the newest fix
 * once it drains instead of a growing backlog.
 */
export function openEventStream(s: EventStream): void {
  const { res, view } = s;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // nginx buffers responses unless told not to.
    'x-accel-buffering': 'no',
  });
  const fixEvent = (fix: LocationFix) => `id: ${cursorOf(fix)}\nevent: location\ndata: ${JSON.stringify(fix)}\n\n`;
  let head = `retry: ${s.retryMs}\n\n`;
  if (view.status !== null) head += `event: status\ndata: ${JSON.stringify(view.status)}\n\n`;
  for (const fix of fixesAfter(view.history, s.cursor)) head += fixEvent(fix);
  res.write(head);
  s.beat.add(res);

  let pending: LocationFix | null = null;
  const onDrain = (): void => {
    if (pending === null) return;
    const fix = pending;
    pending = null;
    res.write(fixEvent(fix));
  };
  res.on('drain', onDrain);
  const release = s.hold((reason) => {
    res.end(reason === undefined ? undefined : `event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
  });
  const unlisten = s.hub.listen(s.driverId, (event) => {
    if (event.kind === 'status') {
      res.write(`event: status\ndata: ${JSON.stringify(event.status)}\n\n`);
    } else if (res.writableLength > s.maxBufferedBytes) {
      if (pending !== null) s.shed();
      pending = event.fix;
    } else {
      res.write(fixEvent(event.fix));
    }
  });
  res.once('close', () => {
    release();
    unlisten();
    s.beat.delete(res);
    res.off('drain', onDrain);
  });
}
