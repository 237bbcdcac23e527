import type { FeedState } from '../feed';
import type { TransportName } from '../follow/types';

const TRANSPORT_LABELS: Record<TransportName, string> = {
  websocket: 'WebSocket',
  sse: 'SSE',
  'long-poll': 'long polling',
  'short-poll': 'short polling',
};

/**
 * The badge of the car's live feed: its state and the transport carrying it. The page's CSS shows
 * it only when something is wrong (reconnecting, ended); the transport stays in its text and in
 * `data-transport` for support and the tests.
 */
export class ConnectionBadge {
  private transport: TransportName | null = null;

  constructor(private readonly el: HTMLElement) {}

  /** The transport the feed settled on (shown with the next state). */
  carriedBy(name: TransportName): void {
    this.transport = name;
  }

  /** The feed's state; null: no feed (no trip, or the trip is over). */
  set(state: FeedState | null, detail?: string): void {
    if (state === null) {
      this.el.textContent = '';
      this.el.className = 'badge';
      return;
    }
    const text = {
      connecting: 'connecting…',
      connected: 'live',
      reconnecting: 'reconnecting…',
      refused: `ended: ${detail ?? ''}`,
    }[state];
    this.el.textContent = this.transport === null ? text : `${text} · ${TRANSPORT_LABELS[this.transport]}`;
    this.el.className = `badge ${state}`;
    this.el.dataset['transport'] = this.transport ?? '';
  }
}
