// The Alerts port over the Prometheus HTTP API (GET /api/v1/alerts) or, when the URL is an
// Alertmanager's (which answers 404 there), the Alertmanager v2 API (GET /api/v2/alerts). Which of the alerts block is
// the decision core's rule (policy/blockers.ts alertBlockReasons). Any answer that cannot be read
// throws: the core treats an alert blocker that cannot be evaluated as blocking (fail closed).
import type { Alert, Alerts } from '../ports.ts';
import { TransientError } from '../../policy/errors.ts';
import { apiUrl, bodyExcerpt, networkReason } from './http-client.ts';

export interface PrometheusOptions {
  /** Base URL of Prometheus (or a path-prefixed proxy), e.g. http://prometheus.monitoring:9090. */
  readonly prometheusUrl: string;
  /** Limit for the whole request, body included. */
  readonly timeoutMs: number;
  /** Default: global fetch. */
  readonly fetch?: typeof fetch;
}

/** The alerts Prometheus reports as active (pending or firing), as the Alerts port. */
export function prometheusAlerts(options: PrometheusOptions): Alerts {
  const doFetch = options.fetch ?? fetch;
  const url = apiUrl(options.prometheusUrl, 'api/v1/alerts');
  const v2 = apiUrl(options.prometheusUrl, 'api/v2/alerts');
  // fetch refuses URLs with user info: send it as basic auth, and never show it.
  const headers: Record<string, string> = { accept: 'application/json' };
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  v2.username = '';
  v2.password = '';
  const shown = url.href;
  const fail = (what: string, cause?: unknown): TransientError =>
    new TransientError(
      `alerts at ${shown}: ${what}; alert blockers cannot be evaluated, so reboots stay blocked`,
      cause === undefined ? undefined : { cause },
    );

  const get = async (target: URL): Promise<{ status: number; body: string }> => {
    try {
      const res = await doFetch(target, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
      return { status: res.status, body: await res.text() };
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'TimeoutError')
        throw fail(`no answer within ${options.timeoutMs} ms`, err);
      throw fail(`request failed (${networkReason(err)})`, err);
    }
  };

  return {
    async active() {
      let answer = await get(url);
      let parse = parseAlerts;
      // Alertmanager serves only its v2 API (v1 was removed in 0.27): a 404 or 410 there means "ask v2".
      if (answer.status === 404 || answer.status === 410) {
        answer = await get(v2);
        parse = parseAlertmanagerAlerts;
      }
      const { status, body } = answer;
      if (status < 200 || status > 299) throw fail(`HTTP ${status} (${bodyExcerpt(body)})`);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch (err: unknown) {
        throw fail(`the answer is not JSON (${bodyExcerpt(body)})`, err);
      }
      const alerts = parse(json);
      if (typeof alerts === 'string') throw fail(alerts);
      return alerts;
    },
  };
}

/**
 * Alertmanager's GET /api/v2/alerts as alerts: `active` ones block like firing alerts, `unprocessed`
 * like pending ones; `suppressed` (silenced or inhibited) ones do not block.
 */
function parseAlertmanagerAlerts(json: unknown): Alert[] | string {
  if (!Array.isArray(json)) return 'the answer of /api/v2/alerts is not a list';
  const states: Record<string, Alert['state']> = { active: 'firing', unprocessed: 'pending', suppressed: 'inactive' };
  const out: Alert[] = [];
  for (const [i, item] of json.entries()) {
    const labels = isObject(item) ? item.labels : undefined;
    const name = isObject(labels) ? labels.alertname : undefined;
    const status = isObject(item) ? item.status : undefined;
    const state = isObject(status) && typeof status.state === 'string' ? states[status.state] : undefined;
    if (typeof name !== 'string') return `[${i}] has no labels.alertname`;
    if (state === undefined)
      return `[${i}] (${name}) has status.state ${JSON.stringify(isObject(status) ? status.state : status)}`;
    out.push({ name, state });
  }
  return out;
}

/** The API's answer as alerts, or what is wrong with it. */
function parseAlerts(json: unknown): Alert[] | string {
  if (!isObject(json)) return 'the answer is not a JSON object';
  if (json.status !== 'success')
    return `status is ${JSON.stringify(json.status)}${typeof json.error === 'string' ? `: ${json.error}` : ''}, not "success"`;
  const data = json.data;
  if (!isObject(data) || !Array.isArray(data.alerts)) return 'data.alerts is not a list';
  const out: Alert[] = [];
  for (const [i, item] of data.alerts.entries()) {
    const labels = isObject(item) ? item.labels : undefined;
    const name = isObject(labels) ? labels.alertname : undefined;
    const state = isObject(item) ? item.state : undefined;
    if (typeof name !== 'string') return `data.alerts[${i}] has no labels.alertname`;
    if (state !== 'firing' && state !== 'pending' && state !== 'inactive')
      return `data.alerts[${i}] (${name}) has state ${JSON.stringify(state)}`;
    out.push({ name, state });
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
