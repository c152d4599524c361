// The reconciler's HTTP endpoint (node:http): GET /metrics for Prometheus, GET /healthz (liveness),
// GET /readyz (readiness) and POST /sync, which a git host's push webhook calls to run a cycle now.
// The agent's server (agent/adapters/http.ts) serves a fixed GET-only pair of paths, so it cannot
// carry /readyz and POST /sync; this one follows its shape (listen/close, plain-text replies).
// /sync reads no request body (a webhook's payload says nothing the next fetch does not) and
// needs no authentication: all it can do is make the leader fetch and apply the branch sooner.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { listening, reply, type Listening } from '../../io/serve.ts';
import { messageOf } from '../../policy/errors.ts';
import { FORWARDED_HEADER, type SyncReply } from './forward.ts';

/** A probe's answer; `reason` says what is wrong when not ok. */
export interface Probe {
  readonly ok: boolean;
  readonly reason?: string;
}

export interface ReconcilerHttpOptions {
  readonly registry: Registry;
  readonly live: () => Probe;
  readonly ready: () => Probe;
  /** `forwarded`: another replica passed the request on (see forward.ts). */
  readonly sync: (request: { readonly forwarded: boolean }) => Promise<SyncReply>;
}

export type ReconcilerHttpServer = Listening;

const ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/metrics': ['GET', 'HEAD'],
  '/healthz': ['GET', 'HEAD'],
  '/readyz': ['GET', 'HEAD'],
  '/sync': ['POST'],
};

export function reconcilerHttpServer(options: ReconcilerHttpOptions): ReconcilerHttpServer {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => reply(res, 500, `${messageOf(err)}\n`));
  });
  return listening(server, 'listen');
}

async function handle(options: ReconcilerHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://reconciler').pathname;
  const methods = ROUTES[path];
  if (!methods) return reply(res, 404, `not found; try ${Object.keys(ROUTES).join(', ')}\n`);
  if (!methods.includes(req.method ?? ''))
    return reply(res, 405, `use ${methods.join(' or ')}\n`, { allow: methods.join(', ') });
  switch (path) {
    case '/metrics':
      return reply(res, 200, await options.registry.metrics(), { 'content-type': options.registry.contentType });
    case '/healthz':
      return probe(res, options.live());
    case '/readyz':
      return probe(res, options.ready());
    default: {
      const answer = await options.sync({ forwarded: req.headers[FORWARDED_HEADER] !== undefined });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(answer.body)}\n`);
    }
  }
}

function probe(res: ServerResponse, p: Probe): void {
  reply(res, p.ok ? 200 : 503, p.ok ? 'ok\n' : `${p.reason ?? 'not ok'}\n`);
}
