import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop lag, sampled continuously; `lagMs` is the p99 delay of the last interval. */
export class LoadMonitor {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: NodeJS.Timeout;
  lagMs = 0;

  constructor(intervalMs = 500) {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.lagMs = Math.max(0, this.histogram.percentile(99) / 1e6 - 10);
      this.histogram.reset();
    }, intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
