// A small client of the Kubernetes REST API over node:https: JSON requests and watch streams, one
// kept-alive connection pool per process, a deadline on every request. The adapters of the ports
// the agent uses (Nodes, Pods, Grants, Events, VolumeAttachments, Secrets) and every watch cache run
// on it, so the agent's worker loads no @kubernetes/client-node at all: that client costs ~70 MiB
// and ~0.4 s of CPU per process start, paid at every sentinel and after every boot
// (docs/decisions/0009-rest-client.md). Where the credentials come from: kube/rest-config.ts (the
// agent) or kube/config.ts (every other role, through client-node's KubeConfig).
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

// Loaded through require: an ES import of node:http builds its whole namespace, undici included
// (docs/decisions/0006-light-idle-agent.md).
const require = createRequire(import.meta.url);
const https = require('node:https') as typeof Https;
const http = require('node:http') as typeof Http;

/** Where the API server is and how one request authenticates. */
export interface RestTarget {
  /** The API server's URL (https://host:port, maybe with a path prefix). */
  readonly server: string;
  /** Sets the TLS material and headers (Authorization) of one request. */
  readonly prepare: (request: Https.RequestOptions) => Promise<void> | void;
}

/** The API server answered with an error status; `body` is its Status object as text. */
export class ApiError extends Error {
  readonly code: number;
  readonly body: string;
  constructor(code: number, body: string, what: string) {
    super(`${what}: HTTP ${code}`);
    this.name = 'ApiError';
    this.code = code;
    this.body = body;
  }
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** Content type of `body`; JSON by default (a merge patch: 'application/merge-patch+json'). */
  readonly contentType?: string;
}

/** One event of a watch stream. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: Record<string, unknown>;
}

export interface WatchOptions {
  readonly signal: AbortSignal;
  /** Called once the API server accepted the watch (200 and its headers). */
  readonly onConnect?: () => void;
  /** The stream is taken as lost when nothing, not even a bookmark, came for this long. */
  readonly idleMs: number;
}

/** A request's answer must start within this time: a partitioned API server must not hang a step forever. */
const REQUEST_TIMEOUT_MS = 30_000;

export const MERGE_PATCH = 'application/merge-patch+json';

export class Rest {
  readonly #target: RestTarget;
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #agents: { https: Https.Agent; http: Http.Agent };

  constructor(target: RestTarget, options: { timeoutMs?: number } = {}) {
    this.#target = target;
    this.#base = new URL(target.server);
    this.#timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    // Kept-alive connections: the fresh reads before each step of a reboot need no TLS handshake.
    // No cap on sockets: each watch holds one for minutes, and a request must never queue behind them.
    this.#agents = {
      https: new https.Agent({ keepAlive: true, maxFreeSockets: 4, timeout: 5 * 60_000 }),
      http: new http.Agent({ keepAlive: true, maxFreeSockets: 4, timeout: 5 * 60_000 }),
    };
  }

  /** GET/POST/PUT/PATCH/DELETE one object or list; resolves with the parsed answer. */
  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const what = `${method} ${path}`;
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    const res = await this.#send(
      method,
      path,
      o.query,
      {
        ...(body === undefined
          ? {}
          : { 'Content-Type': o.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }),
        Accept: 'application/json',
      },
      body,
    );
    const text = await readAll(res, this.#timeoutMs);
    if ((res.statusCode ?? 0) >= 300) throw new ApiError(res.statusCode ?? 0, text, what);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /**
   * Watches `path` from `query.resourceVersion`: each event to `onEvent` as it arrives. Resolves
   * when the server ends the stream (its timeout); rejects on an error status (ApiError), a lost
   * connection, or `idleMs` without a byte. Aborting the signal ends it quietly.
   */
  async watch(path: string, query: Query, onEvent: (e: WatchEvent) => void, o: WatchOptions): Promise<void> {
    const res = await this.#send(
      'GET',
      path,
      { ...query, watch: true, allowWatchBookmarks: true },
      {
        Accept: 'application/json',
      },
      undefined,
      o.signal,
    );
    if ((res.statusCode ?? 0) >= 300) {
      throw new ApiError(res.statusCode ?? 0, await readAll(res, this.#timeoutMs), `watch ${path}`);
    }
    o.onConnect?.();
    await new Promise<void>((resolve, reject) => {
      let rest = '';
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => res.destroy(new Error(`no event for ${o.idleMs} ms`)), o.idleMs);
      };
      const finish = (err?: Error) => {
        clearTimeout(idle);
        o.signal.removeEventListener('abort', abort);
        if (err === undefined || o.signal.aborted) resolve();
        else reject(err);
      };
      const abort = () => res.destroy();
      o.signal.addEventListener('abort', abort, { once: true });
      arm();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        arm();
        rest += chunk;
        let nl = rest.indexOf('\n');
        while (nl >= 0) {
          const line = rest.slice(0, nl).trim();
          rest = rest.slice(nl + 1);
          if (line !== '') {
            try {
              onEvent(JSON.parse(line) as WatchEvent);
            } catch (err: unknown) {
              res.destroy(err instanceof Error ? err : new Error(String(err)));
              return;
            }
          }
          nl = rest.indexOf('\n');
        }
      });
      res.on('end', () => finish());
      res.on('error', (err) => finish(err));
      res.on('close', () => finish(res.complete ? undefined : new Error('the watch connection closed')));
    });
  }

  /** Closes the kept-alive connections (the process may exit without it). */
  close(): void {
    this.#agents.https.destroy();
    this.#agents.http.destroy();
  }

  async #send(
    method: string,
    path: string,
    query: Query | undefined,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<Http.IncomingMessage> {
    const url = new URL(this.#base.pathname.replace(/\/$/, '') + path, this.#base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const secure = url.protocol === 'https:';
    const options: Https.RequestOptions = {
      method,
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: url.pathname + url.search,
      headers: { ...headers },
      agent: secure ? this.#agents.https : this.#agents.http,
    };
    await this.#target.prepare(options);
    return new Promise<Http.IncomingMessage>((resolve, reject) => {
      const req = (secure ? https : http).request(options, (res) => {
        clearTimeout(deadline);
        resolve(res);
      });
      // Until the answer starts: connecting, TLS, and the server's time to answer.
      const deadline = setTimeout(
        () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      const abort = () => req.destroy(new Error('aborted'));
      signal?.addEventListener('abort', abort, { once: true });
      req.on('error', (err) => {
        clearTimeout(deadline);
        reject(err);
      });
      req.on('close', () => signal?.removeEventListener('abort', abort));
      req.end(body);
    });
  }
}

/** The whole body as text; a body that stops arriving for `timeoutMs` is an error. */
function readAll(res: Http.IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let timer = setTimeout(stall, timeoutMs);
    function stall() {
      res.destroy(new Error(`the answer stopped for ${timeoutMs} ms`));
    }
    res.on('data', (c: Buffer) => {
      chunks.push(c);
      clearTimeout(timer);
      timer = setTimeout(stall, timeoutMs);
    });
    res.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    res.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
