// The reconciler's HTTP endpoint (node:http): GET /metrics for Prometheus, GET /healthz (liveness),
// GET /readyz (readiness) and POST /sync, which a git host's push webhook calls to run a cycle now.
// The agent's server (agent/adapters/http.ts) serves a fixed GET-only pair of paths, so it cannot
// carry /readyz and POST /sync; this one follows its shape (listen/close, plain-text replies).
// /sync must prove the webhook secret (webhook-auth.ts) unless the operator chose to leave it open;
// a refusal is a bare 401, and why goes to the log only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { listening, reply, type Listening } from '../../io/serve.ts';
import { messageOf } from '../../policy/errors.ts';
import { FORWARDED_HEADER, type SyncReply, type SyncRequest } from './forward.ts';
import { PROOF_HEADERS, proves, type WebhookGuard } from './webhook-auth.ts';

/** A probe's answer; `reason` says what is wrong when not ok. */
export interface Probe {
  readonly ok: boolean;
  readonly reason?: string;
}

export interface ReconcilerHttpOptions {
  readonly registry: Registry;
  readonly live: () => Probe;
  readonly ready: () => Probe;
  readonly guard: WebhookGuard;
  /** Told why a /sync request was refused (the caller is not). */
  readonly refused?: (why: string) => void;
  readonly sync: (request: SyncRequest) => Promise<SyncReply>;
}

export type ReconcilerHttpServer = Listening;

/** GitHub caps webhook payloads at 25 MB; a larger body is no webhook. */
export const MAX_SYNC_BODY_BYTES = 25 * 1024 * 1024;

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

/** The body, or undefined when it is larger than the limit (the rest is drained, not kept). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_SYNC_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_SYNC_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

async function authorized(options: ReconcilerHttpOptions, req: IncomingMessage, body: Buffer): Promise<boolean> {
  const guard = options.guard;
  if (guard.kind === 'open') return true;
  if (guard.kind === 'closed') {
    options.refused?.(
      'no webhook secret is configured (--webhook-secret-file), and --webhook-unauthenticated was not chosen',
    );
    return false;
  }
  let secret: Buffer;
  try {
    secret = await guard.secret();
  } catch (err: unknown) {
    options.refused?.(`the webhook secret cannot be read: ${messageOf(err)}`);
    return false;
  }
  if (proves(secret, req.headers, body)) return true;
  const sent = PROOF_HEADERS.filter((h) => req.headers[h] !== undefined);
  options.refused?.(
    sent.length === 0
      ? 'it carries no X-Hub-Signature-256 or X-Gitlab-Token header'
      : `its ${sent.join(', ')} does not match the webhook secret`,
  );
  return false;
}

function json(res: ServerResponse, status: number, body: Readonly<Record<string, unknown>>): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

async function handle(options: ReconcilerHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://reconciler').pathname;
  const methods = ROUTES[path];
  if (!methods || !methods.includes(req.method ?? '')) req.resume();
  if (!methods) return reply(res, 404, `not found; try ${Object.keys(ROUTES).join(', ')}\n`);
  if (!methods.includes(req.method ?? ''))
    return reply(res, 405, `use ${methods.join(' or ')}\n`, { allow: methods.join(', ') });
  switch (path) {
    case '/metrics':
      req.resume();
      return reply(res, 200, await options.registry.metrics(), { 'content-type': options.registry.contentType });
    case '/healthz':
      req.resume();
      return probe(res, options.live());
    case '/readyz':
      req.resume();
      return probe(res, options.ready());
    default: {
      const body = await readBody(req);
      if (body === undefined)
        return json(res, 413, { error: `a webhook payload is at most ${MAX_SYNC_BODY_BYTES} bytes` });
      if (!(await authorized(options, req, body))) return json(res, 401, { error: 'unauthorized' });
      const headers: Record<string, string> = {};
      for (const name of [...PROOF_HEADERS, 'content-type']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      return json(
        res,
        ...(await syncReply(options, { forwarded: req.headers[FORWARDED_HEADER] !== undefined, body, headers })),
      );
    }
  }
}

async function syncReply(
  options: ReconcilerHttpOptions,
  request: SyncRequest,
): Promise<[number, Readonly<Record<string, unknown>>]> {
  const answer = await options.sync(request);
  return [answer.status, answer.body];
}

function probe(res: ServerResponse, p: Probe): void {
  reply(res, p.ok ? 200 : 503, p.ok ? 'ok\n' : `${p.reason ?? 'not ok'}\n`);
}
