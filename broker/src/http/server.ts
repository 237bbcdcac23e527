import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApi, type ApiDeps } from './api';
import { createApp, type AppDeps } from './app';
import type { FleetStream } from './fleet-stream';
import type { LiveHttp } from './live';
import { createOpsApi, type OpsApiDeps } from './ops-api';
import { createTripApi, type TripApiDeps } from './trips';
import { mountWeb, type WebOptions } from './web';

export interface HttpServerDeps {
  app: AppDeps;
  trips: TripApiDeps;
  api: ApiDeps;
  ops: OpsApiDeps;
  web: { options: WebOptions; deps: Parameters<typeof mountWeb>[2] };
  /** The live transports, answered before the router: they hold their responses open. */
  live: LiveHttp;
  fleet: FleetStream;
}

/**
 * The broker's HTTP server in one place: the live transports (a rider's short poll, long poll and
 * event stream; the operators' fleet stream), then the routes (health and metrics, /api, the pages
 * and the basemap). Errors of every route have one shape: docs/api.md#errors.
 */
export function createHttpListener(deps: HttpServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const app = createApp(deps.app);
  app.route('/api', createTripApi(deps.trips));
  app.route('/api', createApi(deps.api));
  app.route('/api', createOpsApi(deps.ops));
  mountWeb(app, deps.web.options, deps.web.deps);
  const fetchListener = getRequestListener(app.fetch);
  return (req, res) => {
    // HTTP/1.0 needs no Host (health checkers often send none); the router builds URLs from it.
    req.headers.host ??= 'localhost';
    if (!deps.live.handle(req, res) && !deps.fleet.handle(req, res)) void fetchListener(req, res);
  };
}
