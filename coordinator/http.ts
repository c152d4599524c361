// The coordinator's HTTP endpoint (node:http): GET /metrics for Prometheus, /healthz for the
// liveness probe (the process serves and, when leading, its loop decided recently), /readyz for
// readiness (it reached the API server for the election; the leader also has its caches).
import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import { listening, reply, type Listening } from '../io/serve.ts';
import { messageOf } from '../policy/errors.ts';

export interface CoordinatorHttpOptions {
  readonly registry: Registry;
  readonly healthy: () => boolean;
  readonly ready: () => boolean;
}

export function coordinatorHttpServer(o: CoordinatorHttpOptions): Listening {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://coordinator').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'use GET\n', { allow: 'GET, HEAD' });
    if (path === '/healthz')
      return o.healthy() ? reply(res, 200, 'ok\n') : reply(res, 503, 'the grant loop has made no progress recently\n');
    if (path === '/readyz')
      return o.ready() ? reply(res, 200, 'ok\n') : reply(res, 503, 'not ready: the API server was not reached yet\n');
    if (path !== '/metrics') return reply(res, 404, 'not found; try /metrics, /healthz or /readyz\n');
    o.registry.metrics().then(
      (text) => reply(res, 200, text, { 'content-type': o.registry.contentType }),
      (err: unknown) => reply(res, 500, `cannot collect metrics: ${messageOf(err)}\n`),
    );
  });
  return listening(server, 'serve the coordinator endpoints');
}
