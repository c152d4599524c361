// Reading objects of any kind by resource (the coordinator's health gates): one GET of
// `/api[s]/<group>/<version>/[namespaces/<ns>/]<resource>[/<name>]` with the process's own
// credentials. The generated clients know only built-in kinds (and CustomObjectsApi no core
// group), and discovery would need rights and a request more; the policy already names the plural.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { TerminalError, TransientError } from '../policy/errors.ts';

/** What to read: one object (`name`), or a list (filtered by `labelSelector`). */
export interface ObjectQuery {
  readonly apiVersion: string;
  readonly resource: string;
  readonly namespace: string | null;
  readonly name: string | null;
  /** The API's query form (`app=web,tier in (a,b)`); empty: every object. */
  readonly labelSelector: string;
  readonly timeoutMs: number;
}

/** Reads objects as JSON; the port of the coordinator's health gates. */
export interface ObjectReader {
  /** The matched objects: one (or none: 404) for a name, the list's items otherwise. */
  read(query: ObjectQuery): Promise<unknown[]>;
}

export function objectPath(q: ObjectQuery): string {
  const base = q.apiVersion.includes('/') ? `/apis/${q.apiVersion}` : `/api/${q.apiVersion}`;
  const ns = q.namespace === null ? '' : `/namespaces/${encodeURIComponent(q.namespace)}`;
  const name = q.name === null ? '' : `/${encodeURIComponent(q.name)}`;
  const query =
    q.name === null && q.labelSelector !== '' ? `?labelSelector=${encodeURIComponent(q.labelSelector)}` : '';
  return `${base}${ns}/${q.resource}${name}${query}`;
}

export class KubeObjects implements ObjectReader {
  readonly #kc: KubeConfig;

  constructor(kc: KubeConfig) {
    this.#kc = kc;
  }

  async read(q: ObjectQuery): Promise<unknown[]> {
    const path = objectPath(q);
    const { status, body } = await this.#get(path, q.timeoutMs);
    if (status === 404 && q.name !== null) return [];
    if (status !== 200) {
      let message = `HTTP ${status}`;
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') message = parsed.message;
      } catch {
        // Not a Status object: the HTTP status says enough.
      }
      const what = `GET ${path}: ${message}`;
      throw status >= 500 || status === 429 ? new TransientError(what) : new TerminalError(what);
    }
    const value = JSON.parse(body) as { items?: unknown[] };
    return q.name === null ? (value.items ?? []) : [value];
  }

  async #get(path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new TerminalError('no current cluster in the kubeconfig');
    const url = new URL(path, cluster.server);
    const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
    await this.#kc.applyToHTTPSOptions(options);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...options, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(new TransientError(`GET ${path}: ${err.message}`, { cause: err })));
      });
      req.on('error', (err) =>
        reject(
          new TransientError(
            err.name === 'AbortError' || err.name === 'TimeoutError'
              ? `GET ${path}: no answer within ${timeoutMs} ms`
              : `GET ${path}: ${err.message}`,
            { cause: err },
          ),
        ),
      );
      req.end();
    });
  }
}
