// The Notifier port over chat webhooks: one notifier per NotificationSpec of the policy (Slack
// incoming webhook, Microsoft Teams Workflows webhook, or a generic JSON webhook), fanned out.
// Notifications are best effort: `send` retries with back-off, then reports through `onError` and
// returns; it never throws and its duration is bounded. The webhook URL is a secret (whoever holds
// it can post to the channel): it is resolved at each send, so a rotated Secret takes effect, and
// it never appears in a message this module produces.
import type { Notifier } from '../ports.ts';
import type { Clock } from '../../policy/clock.ts';
import type { NotificationSpec } from '../../policy/model.ts';
import { messageOf } from '../../policy/errors.ts';
import { bodyExcerpt, networkReason } from './http-client.ts';
import { webhookBody, type NotifyContext } from './notify-format.ts';
import { urlNotifier } from './notify-url.ts';

export interface SpecNotifierOptions {
  readonly spec: NotificationSpec;
  readonly context: NotifyContext;
  /** The webhook URL, read from the Secret the spec names; called at every send. */
  readonly resolveUrl: () => Promise<string>;
  /** `now` for the message time, `sleep` between attempts. */
  readonly clock: Pick<Clock, 'now' | 'sleep'>;
  /** Told once when a notification is given up (for a log line and a metric); never sees the URL. */
  readonly onError: (message: string) => void;
  /** Default: global fetch. */
  readonly fetch?: typeof fetch;
  /** Default 4: the first try and three retries. */
  readonly attempts?: number;
  /** Back-off before the first retry, doubled for each next one (default 1000: 1 s, 2 s, 4 s). */
  readonly firstDelayMs?: number;
  /** Limit of one attempt: reading the URL and the whole HTTP exchange (default 10 s). */
  readonly attemptTimeoutMs?: number;
}

/** A 429's Retry-After is honoured up to this, so `send` stays bounded. */
export const MAX_RETRY_AFTER_MS = 10_000;

type AttemptResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly retry: boolean; readonly problem: string; readonly retryAfterMs?: number };

/**
 * Sends the events the spec lists, rendered with its templates (the `text` of `send` is the
 * `{reason}`). Takes at most attempts × attemptTimeoutMs plus the back-off (by default 4 × 10 s +
 * 7 s, more only when a 429 asks for it, each wait at most MAX_RETRY_AFTER_MS).
 */
export function specNotifier(options: SpecNotifierOptions): Notifier {
  const { spec, context, clock } = options;
  const attempts = options.attempts ?? 4;
  const firstDelayMs = options.firstDelayMs ?? 1_000;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const where = `the ${spec.format} webhook of Secret ${spec.secretKeyRef.name}, key ${spec.secretKeyRef.key}`;

  async function attempt(body: string): Promise<AttemptResult> {
    const signal = AbortSignal.timeout(attemptTimeoutMs);
    let url: string;
    try {
      url = await untilAborted(options.resolveUrl(), signal);
    } catch (err: unknown) {
      const why =
        err instanceof Error && err.name === 'TimeoutError'
          ? `no answer within ${attemptTimeoutMs} ms`
          : messageOf(err);
      return { ok: false, retry: true, problem: `cannot read its URL: ${why}` };
    }
    if (!isHttpUrl(url)) return { ok: false, retry: false, problem: 'the Secret does not hold an http(s) URL' };
    const hide = (text: string): string => mask(text, url);
    try {
      const res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
      const answer = await res.text();
      if (res.ok) return { ok: true };
      const problem = hide(`HTTP ${res.status} (${bodyExcerpt(answer)})`);
      if (res.status === 429 || res.status >= 500)
        return {
          ok: false,
          retry: true,
          problem,
          retryAfterMs: retryAfterMs(res.headers.get('retry-after'), clock.now()),
        };
      return { ok: false, retry: false, problem };
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'TimeoutError')
        return { ok: false, retry: true, problem: `no answer within ${attemptTimeoutMs} ms` };
      return { ok: false, retry: true, problem: hide(`request failed (${networkReason(err)})`) };
    }
  }

  return {
    async send(event, text) {
      if (!spec.events.includes(event)) return;
      const body = JSON.stringify(webhookBody(spec, context, event, text, clock.now()));
      let last: AttemptResult = { ok: true };
      for (let i = 0; i < attempts; i++) {
        if (i > 0) {
          const backoffMs = firstDelayMs * 2 ** (i - 1);
          const askedMs = last.ok ? 0 : (last.retryAfterMs ?? 0);
          await clock.sleep(Math.max(backoffMs, Math.min(askedMs, MAX_RETRY_AFTER_MS)));
        }
        last = await attempt(body);
        if (last.ok) return;
        if (!last.retry) break;
      }
      if (!last.ok)
        report(
          options.onError,
          `notification "${event}" to ${where} not sent${last.retry ? ` after ${attempts} attempts` : ''}: ${last.problem}`,
        );
    },
  };
}

export interface PolicyNotifierOptions extends Omit<SpecNotifierOptions, 'spec' | 'resolveUrl' | 'onError'> {
  readonly specs: readonly NotificationSpec[];
  /** Reads the webhook URL from the Secret key a spec names. */
  readonly resolveUrl: (ref: NotificationSpec['secretKeyRef']) => Promise<string>;
  /** As SpecNotifierOptions.onError, with the spec whose notification was given up. */
  readonly onError: (message: string, spec: NotificationSpec) => void;
}

/** One notifier for every notification of a policy: sends to all at once, resolves when all are done. */
export function policyNotifier(options: PolicyNotifierOptions): Notifier {
  const { specs, resolveUrl, onError, ...shared } = options;
  const notifiers = specs.map((spec) =>
    (spec.format === 'url' ? urlNotifier : specNotifier)({
      ...shared,
      spec,
      resolveUrl: () => resolveUrl(spec.secretKeyRef),
      onError: (message) => onError(message, spec),
    }),
  );
  return {
    async send(event, text) {
      await Promise.allSettled(notifiers.map((n) => n.send(event, text)));
    },
  };
}

function report(onError: (message: string) => void, message: string): void {
  try {
    onError(message);
  } catch {
    // A failing reporter must not turn a best-effort notification into a crash.
  }
}

/** Settles like `promise`, or rejects when `signal` aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function isHttpUrl(text: string): boolean {
  try {
    const protocol = new URL(text).protocol;
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Replaces the URL and its secret-bearing parts (path, query, user info) with ***. */
function mask(text: string, url: string): string {
  const u = new URL(url);
  const secrets = [url, u.href, `${u.pathname}${u.search}`, u.pathname, u.search, u.password, u.username]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  return secrets.reduce((out, s) => out.split(s).join('***'), text);
}

/** Seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
