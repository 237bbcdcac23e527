import { Hono } from 'hono';
import type { HealthVerdict } from '../health';
import type { Metrics } from '../metrics';
import { errorBody } from './errors';

export interface AppDeps {
  metrics: Metrics;
  health: () => { verdict: HealthVerdict; details: Record<string, unknown> };
}

/** The broker's HTTP routes: health and metrics (the API and pages join here). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  // Readiness: 200 while every dependency answers, 503 degraded or draining (src/health.ts).
  app.get('/healthz', (c) => {
    const { verdict, details } = deps.health();
    return c.json({ status: verdict.status, reasons: verdict.reasons, ...details }, verdict.httpStatus, {
      'cache-control': 'no-store',
    });
  });
  // Liveness: the process answers. Restart on this one failing, not on /healthz.
  app.get('/livez', (c) => c.json({ status: 'live' }, 200, { 'cache-control': 'no-store' }));
  app.get('/metrics', async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType });
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  return app;
}
