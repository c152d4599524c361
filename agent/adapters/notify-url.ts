// The Notifier port for notifications given as a URL (shoutrrr's formats, as kured's users write
// them): the URL is read from its Secret at each send, parsed (policy/notify-url.ts), and the message
// goes over the service's webhook API with fetch, or as mail through nodemailer. Best effort like
// every notification: retried with back-off, bounded in time, never throws, never blocks a reboot
// for longer than its bound; the URL (a secret) never appears in a message.
import type { Notifier } from '../ports.ts';
import type { SpecNotifierOptions } from './notify.ts';
import { messageOf } from '../../policy/errors.ts';
import { parseNotifyUrl, type HttpMessage, type SmtpTarget } from '../../policy/notify-url.ts';
import { bodyExcerpt, networkReason } from './http-client.ts';
import { renderTemplate } from './notify-format.ts';

/** Starts the message of a notification given up because its Secret holds no usable URL. */
export const URL_UNUSABLE = 'the URL cannot be used';

type Outcome = { readonly ok: true } | { readonly ok: false; readonly retry: boolean; readonly problem: string };

/** Sends one mail; the transport is made per send so a rotated Secret takes effect. */
async function sendMail(target: SmtpTarget, text: string, timeoutMs: number): Promise<Outcome> {
  // Loaded at the first mail: a fifth of the worker's code, which it parses at every start
  // (the sentinel, every boot) while few policies send mail (issue 19).
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: target.encryption === 'implicit',
    ignoreTLS: target.encryption === 'none',
    requireTLS: target.encryption === 'starttls',
    ...(target.username ? { auth: { user: target.username, pass: target.password } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({
      from: target.fromName ? { name: target.fromName, address: target.from } : target.from,
      to: [...target.to],
      subject: target.subject,
      text,
    });
    return { ok: true };
  } catch (err: unknown) {
    // nodemailer's responseCode: 5xx is permanent (bad recipient, auth refused), anything else may pass later.
    const code =
      typeof err === 'object' && err !== null && 'responseCode' in err ? Number(err.responseCode) : undefined;
    // Without a server reply, only the system error code: the message names the host of the URL.
    const system = /\bE[A-Z]{4,}\b/.exec(messageOf(err))?.[0] ?? networkReason(err);
    const reason = code !== undefined ? `SMTP ${code} (${bodyExcerpt(messageOf(err))})` : system;
    return { ok: false, retry: code === undefined || code < 500, problem: `mail not accepted: ${reason}` };
  } finally {
    transport.close();
  }
}

async function post(doFetch: typeof fetch, message: HttpMessage, timeoutMs: number): Promise<Outcome> {
  try {
    const res = await doFetch(message.url, {
      method: message.method,
      headers: message.headers,
      body: message.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer = await res.text();
    if (!res.ok)
      return {
        ok: false,
        retry: res.status === 429 || res.status >= 500,
        problem: `HTTP ${res.status} (${bodyExcerpt(answer)})`,
      };
    // Slack's and Telegram's APIs answer 200 with {"ok": false, ...} when they refuse a message.
    if (/^\s*\{/.test(answer) && (JSON.parse(answer) as { ok?: unknown }).ok === false)
      return { ok: false, retry: false, problem: `refused (${bodyExcerpt(answer)})` };
    return { ok: true };
  } catch (err: unknown) {
    if (err instanceof Error && err.name === 'TimeoutError')
      return { ok: false, retry: true, problem: `no answer within ${timeoutMs} ms` };
    return { ok: false, retry: true, problem: `request failed (${networkReason(err)})` };
  }
}

/** A notifier for one `format: url` notification; options as for the webhook formats. */
export function urlNotifier(options: SpecNotifierOptions): Notifier {
  const { spec, context, clock } = options;
  const attempts = options.attempts ?? 4;
  const firstDelayMs = options.firstDelayMs ?? 1_000;
  const timeoutMs = options.attemptTimeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const where = `the notification URL of Secret ${spec.secretKeyRef.name}, key ${spec.secretKeyRef.key}`;

  async function attempt(text: string, title: string): Promise<Outcome> {
    let url: string;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      url = await new Promise<string>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`)), { once: true });
        options.resolveUrl().then(resolve, reject);
      });
    } catch (err: unknown) {
      return { ok: false, retry: true, problem: `cannot read the URL: ${messageOf(err)}` };
    }
    const parsed = parseNotifyUrl(url);
    if ('error' in parsed) return { ok: false, retry: false, problem: `${URL_UNUSABLE}: ${parsed.error}` };
    if (parsed.target.kind === 'smtp') return sendMail(parsed.target, text, timeoutMs);
    for (const message of parsed.target.messages(text, title)) {
      const outcome = await post(doFetch, message, timeoutMs);
      if (!outcome.ok) return outcome;
    }
    return { ok: true };
  }

  return {
    async send(event, reason) {
      if (!spec.events.includes(event)) return;
      const text = renderTemplate(spec.templates[event], { ...context, event, reason });
      let last: Outcome = { ok: true };
      for (let i = 0; i < attempts; i++) {
        if (i > 0) await clock.sleep(firstDelayMs * 2 ** (i - 1));
        last = await attempt(text, `${event}: ${context.node}`);
        if (last.ok || !last.retry) break;
      }
      if (last.ok) return;
      try {
        options.onError(
          `notification "${event}" to ${where} not sent${last.retry ? ` after ${attempts} attempts` : ''}: ${last.problem}`,
        );
      } catch {
        // A failing reporter must not turn a best-effort notification into a crash.
      }
    },
  };
}
