import { Hono } from 'hono';
import type { Metrics } from '../metrics';

export interface AppDeps {
  metrics: Metrics;
  health: () => Record<string, unknown>;
}

/** The broker's HTTP routes: health and metrics (the API and pages join here). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok', ...deps.health() }));
  app.get('/metrics', async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType });
  });
  app.notFound((c) => c.json({ error: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
