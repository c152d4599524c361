// The agent's HTTP endpoint (node:http), served by its supervisor: /metrics for Prometheus and
// /healthz for the kubelet's liveness probe. /healthz reports whether the agent made progress
// recently (the supervisor's sentinel checks, or its worker's decision loop), so a loop that hangs
// (a stuck API call, a deadlock) gets the pod restarted; the state on the Node lets the new process
// continue where the old one stopped.
import { createRequire } from 'node:module';
import type * as http from 'node:http';
import { messageOf } from '../../policy/errors.ts';
import { listening, reply, type Listening } from '../../io/serve.ts';

// node:http through require, not import: an ES module import of a built-in reads every export to
// build the module namespace, and node:http's lazy WebSocket exports then load undici with crypto,
// tls, http2, zlib and worker_threads: 11 MiB the agent's supervisor never uses
// (docs/decisions/0006-light-idle-agent.md).
const { createServer } = createRequire(import.meta.url)('node:http') as typeof http;

export interface AgentHttpOptions {
  /** The Prometheus text and its Content-Type. */
  readonly metrics: { exposition(): string; readonly contentType: string };
  /** The loop reported progress recently. */
  readonly healthy: () => boolean;
}

export type AgentHttpServer = Listening;

/** Serves GET /metrics and /healthz; 404 for any other path, 405 for other methods. */
export function agentHttpServer(options: AgentHttpOptions): AgentHttpServer {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    if (path !== '/metrics' && path !== '/healthz') return reply(res, 404, 'not found; try /metrics or /healthz\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'use GET\n', { allow: 'GET, HEAD' });
    if (path === '/healthz') {
      return options.healthy()
        ? reply(res, 200, 'ok\n')
        : reply(res, 503, 'the agent loop has made no progress recently\n');
    }
    let text: string;
    try {
      text = options.metrics.exposition();
    } catch (err: unknown) {
      return reply(res, 500, `cannot collect metrics: ${messageOf(err)}\n`);
    }
    reply(res, 200, text, { 'content-type': options.metrics.contentType });
  });

  return listening(server, 'serve metrics');
}
