import type { HistoryStore, TrackPoint, TripRecord } from './types';

/**
 * Live-only mode (`HISTORY=off`): no track and no trip is kept anywhere, for deployments that must
 * not keep where people went. The live map, the fleet stream and the riders' tracking work as
 * always; trip traces and replays do not exist.
 */
export class OffHistory implements HistoryStore {
  readonly backend = 'off';
  readonly retentionMs = 0;

  append(_points: readonly TrackPoint[]): Promise<void> {
    return Promise.resolve();
  }

  track(): Promise<TrackPoint[]> {
    return Promise.resolve([]);
  }

  tripStarted(): Promise<void> {
    return Promise.resolve();
  }

  tripEnded(): Promise<void> {
    return Promise.resolve();
  }

  trip(): Promise<TripRecord | null> {
    return Promise.resolve(null);
  }

  tripsOf(): Promise<TripRecord[]> {
    return Promise.resolve([]);
  }

  sweep(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
