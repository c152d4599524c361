// The Silences port over Alertmanager's v2 API: POST /api/v2/silences creates a silence (no id) or
// updates one (its id). Alertmanager keeps the id when an active silence is updated with the same
// matchers and start (only its end moves); otherwise it answers with a new id, which the caller keeps.
import type { SilenceWrite, Silences } from '../ports.ts';
import { TransientError } from '../../policy/errors.ts';
import { apiUrl, bodyExcerpt, networkReason } from './http-client.ts';

export interface AlertmanagerSilencesOptions {
  /** Base URL of Alertmanager, e.g. http://alertmanager.monitoring:9093 (validate refuses credentials). */
  readonly alertmanagerUrl: string;
  /** Limit for the whole request, body included. */
  readonly timeoutMs: number;
  /** Default: global fetch. */
  readonly fetch?: typeof fetch;
}

/** Alertmanager's silences, as the Silences port. */
export function alertmanagerSilences(options: AlertmanagerSilencesOptions): Silences {
  const doFetch = options.fetch ?? fetch;
  const url = apiUrl(options.alertmanagerUrl, 'api/v2/silences');
  const fail = (what: string, cause?: unknown): TransientError =>
    new TransientError(`silence at ${url.href}: ${what}`, cause === undefined ? undefined : { cause });

  return {
    async put(s: SilenceWrite): Promise<string> {
      const body = JSON.stringify({
        ...(s.id !== undefined ? { id: s.id } : {}),
        matchers: s.matchers,
        startsAt: new Date(s.startsAtMs).toISOString(),
        endsAt: new Date(s.endsAtMs).toISOString(),
        createdBy: s.createdBy,
        comment: s.comment,
      });
      let status: number;
      let text: string;
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        status = res.status;
        text = await res.text();
      } catch (err: unknown) {
        if (err instanceof Error && err.name === 'TimeoutError')
          throw fail(`no answer within ${options.timeoutMs} ms`, err);
        throw fail(`request failed (${networkReason(err)})`, err);
      }
      if (status < 200 || status > 299) throw fail(`HTTP ${status} (${bodyExcerpt(text)})`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err: unknown) {
        throw fail(`the answer is not JSON (${bodyExcerpt(text)})`, err);
      }
      const id = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).silenceID : undefined;
      if (typeof id !== 'string' || id === '') throw fail(`the answer has no silenceID (${bodyExcerpt(text)})`);
      return id;
    },
  };
}
