import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs` naming
 * `what` and the last error/observation. `abort` (e.g. "a component exited") ends the wait early.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; abort?: Promise<string> },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: string;
  let aborted: string | undefined;
  void opts.abort?.then((reason) => (aborted = reason));
  for (;;) {
    if (aborted !== undefined) throw new Error(`testenv: gave up waiting for ${what}: ${aborted}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = 'condition not met yet';
    } catch (err: unknown) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline)
      throw new Error(`testenv: timed out after ${opts.timeoutMs} ms waiting for ${what} (last: ${last})`);
    await sleep(opts.intervalMs ?? 200);
  }
}

/** TLS material for talking to a component directly (PEM contents, not paths). */
export interface Tls {
  ca?: string;
  cert?: string;
  key?: string;
  /** For kcm/scheduler, which serve self-signed certificates. */
  insecure?: boolean;
}

/** GET `url` and return status and body; rejects only on transport errors or after `timeoutMs`. */
export function httpGet(url: string, tls: Tls = {}, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const options = {
      timeout: timeoutMs,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: tls.insecure !== true,
    };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, options, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}
