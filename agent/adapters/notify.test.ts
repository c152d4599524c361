// The webhook notifiers against real HTTP servers on loopback acting as Slack, Teams and a generic
// receiver. Back-off goes through a fake sleep that records the waits and returns at once.
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationSpec } from '../../policy/model.ts';
import { DEFAULT_TEMPLATES } from '../../policy/notify.ts';
import { closedPort, startLoopback, type Loopback, type Reply } from '../../test/helpers/loopback.ts';
import { renderTemplate } from './notify-format.ts';
import { policyNotifier, specNotifier, type SpecNotifierOptions } from './notify.ts';

const NOW = Date.parse('2026-11-24T22:15:00Z');
const SECRET_PATH = '/services/T0001/B0002/sEcReTtOkEn42';
const context = { node: 'aks-gpu-10', policy: 'gpu', pool: 'gpuv5' };

const servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function receiver(reply: (index: number) => Reply = () => ({ status: 200, body: 'ok' })): Promise<Loopback> {
  const server = await startLoopback((i) => reply(i));
  servers.push(server);
  return server;
}

function spec(overrides: Partial<NotificationSpec> = {}): NotificationSpec {
  return {
    format: 'slack',
    secretKeyRef: { name: 'hooks', key: 'slack' },
    events: ['drain', 'reboot', 'done', 'failed'],
    templates: DEFAULT_TEMPLATES,
    ...overrides,
  };
}

interface Harness {
  readonly sleeps: number[];
  readonly errors: string[];
  options(url: string | (() => Promise<string>), overrides?: Partial<SpecNotifierOptions>): SpecNotifierOptions;
}

function harness(): Harness {
  const sleeps: number[] = [];
  const errors: string[] = [];
  return {
    sleeps,
    errors,
    options: (url, overrides = {}) => ({
      spec: spec(),
      context,
      resolveUrl: typeof url === 'string' ? () => Promise.resolve(url) : url,
      clock: { now: () => NOW, sleep: (ms) => Promise.resolve(void sleeps.push(ms)) },
      onError: (m) => void errors.push(m),
      ...overrides,
    }),
  };
}

describe('payloads', () => {
  it('posts Slack incoming-webhook JSON with the rendered template', async () => {
    const slack = await receiver();
    const h = harness();
    await specNotifier(h.options(`${slack.url}${SECRET_PATH}`)).send('drain', '');
    expect(slack.requests).toHaveLength(1);
    const [req] = slack.requests;
    expect([req?.method, req?.path, req?.headers['content-type']]).toEqual(['POST', SECRET_PATH, 'application/json']);
    expect(JSON.parse(req?.body ?? '')).toEqual({ text: 'Draining node aks-gpu-10 (gpu)' });
    expect(h.errors).toEqual([]);
  });

  it('posts a Teams Workflows message with an Adaptive Card', async () => {
    const teams = await receiver(() => ({ status: 202 }));
    const h = harness();
    await specNotifier(
      h.options(`${teams.url}/workflows/abc/triggers/manual/paths/invoke?sig=xyz`, { spec: spec({ format: 'teams' }) }),
    ).send('reboot', '');
    expect(JSON.parse(teams.requests[0]?.body ?? '')).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            type: 'AdaptiveCard',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            version: '1.4',
            body: [{ type: 'TextBlock', text: 'Rebooting node aks-gpu-10 (gpu)', wrap: true }],
          },
        },
      ],
    });
    expect(h.errors).toEqual([]);
  });

  it('posts generic webhook JSON with the reason in a custom template', async () => {
    const hook = await receiver(() => ({ status: 204 }));
    const h = harness();
    const templates = { ...DEFAULT_TEMPLATES, failed: '[{event}] {node} in {pool}: {reason}' };
    await specNotifier(h.options(`${hook.url}/hook`, { spec: spec({ format: 'webhook', templates }) })).send(
      'failed',
      'drain timed out after 30m',
    );
    expect(JSON.parse(hook.requests[0]?.body ?? '')).toEqual({
      event: 'failed',
      node: 'aks-gpu-10',
      policy: 'gpu',
      pool: 'gpuv5',
      text: '[failed] aks-gpu-10 in gpuv5: drain timed out after 30m',
      time: '2026-11-24T22:15:00.000Z',
    });
  });

  it('sends nothing for an event the spec does not list', async () => {
    const slack = await receiver();
    const h = harness();
    const notifier = specNotifier(h.options(`${slack.url}${SECRET_PATH}`, { spec: spec({ events: ['failed'] }) }));
    await notifier.send('drain', '');
    await notifier.send('failed', 'drain timed out');
    expect(slack.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { text: 'Reboot of node aks-gpu-10 failed: drain timed out (gpu)' },
    ]);
  });
});

describe('retries', () => {
  it('retries after a 500 and stops at the first success', async () => {
    const slack = await receiver((i) => (i === 0 ? { status: 500, body: 'oops' } : { status: 200, body: 'ok' }));
    const h = harness();
    await specNotifier(h.options(`${slack.url}${SECRET_PATH}`)).send('done', '');
    expect(slack.requests).toHaveLength(2);
    expect(h.sleeps).toEqual([1_000]);
    expect(h.errors).toEqual([]);
  });

  it('gives up after four attempts with 1 s, 2 s, 4 s back-off and reports without the URL', async () => {
    const slack = await receiver(() => ({ status: 503, body: `upstream for ${SECRET_PATH} unavailable` }));
    const h = harness();
    const url = `${slack.url}${SECRET_PATH}`;
    const started = Date.now();
    await specNotifier(h.options(url)).send('drain', '');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(slack.requests).toHaveLength(4);
    expect(h.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(h.errors).toEqual([
      'notification "drain" to the slack webhook of Secret hooks, key slack not sent after 4 attempts: HTTP 503 (upstream for *** unavailable)',
    ]);
    expect(h.errors.join()).not.toContain('sEcReTtOkEn42');
  });

  it('does not retry a 404 and masks the URL the receiver echoes', async () => {
    const slack = await receiver(() => ({ status: 404, body: `no_service: ${'http://127.0.0.1'}${SECRET_PATH}` }));
    const h = harness();
    await specNotifier(h.options(`${slack.url}${SECRET_PATH}`)).send('drain', '');
    expect(slack.requests).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toMatch(/not sent: HTTP 404 \(no_service: http:\/\/127\.0\.0\.1\*\*\*\)$/);
  });

  it('waits as long as a 429 asks, up to 10 s', async () => {
    const slack = await receiver((i) =>
      i === 0
        ? { status: 429, headers: { 'retry-after': '3' } }
        : i === 1
          ? { status: 429, headers: { 'retry-after': '3600' } }
          : { status: 200 },
    );
    const h = harness();
    await specNotifier(h.options(`${slack.url}${SECRET_PATH}`)).send('drain', '');
    expect(h.sleeps).toEqual([3_000, 10_000]);
    expect(h.errors).toEqual([]);
  });

  it('gives up on a receiver that never answers within the attempt limits', async () => {
    const slack = await receiver(() => 'hang');
    const h = harness();
    const started = Date.now();
    await specNotifier(h.options(`${slack.url}${SECRET_PATH}`, { attemptTimeoutMs: 100 })).send('drain', '');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(slack.requests).toHaveLength(4);
    expect(h.errors).toEqual([
      'notification "drain" to the slack webhook of Secret hooks, key slack not sent after 4 attempts: no answer within 100 ms',
    ]);
  });

  it('retries a refused connection and reports it without the URL', async () => {
    const port = await closedPort();
    const h = harness();
    await specNotifier(h.options(`http://127.0.0.1:${port}${SECRET_PATH}`)).send('drain', '');
    expect(h.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(h.errors).toEqual([
      'notification "drain" to the slack webhook of Secret hooks, key slack not sent after 4 attempts: request failed (ECONNREFUSED)',
    ]);
  });

  it('resolves without throwing when onError itself throws', async () => {
    const port = await closedPort();
    const h = harness();
    const onError = (): void => {
      throw new Error('logger closed');
    };
    await expect(
      specNotifier(h.options(`http://127.0.0.1:${port}/x`, { onError, attempts: 1 })).send('drain', ''),
    ).resolves.toBeUndefined();
  });
});

describe('the URL from the Secret', () => {
  it('is read again at every send, so a rotated Secret takes effect', async () => {
    const slack = await receiver();
    const h = harness();
    const urls = [`${slack.url}/services/old`, `${slack.url}/services/new`];
    let reads = 0;
    const notifier = specNotifier(h.options(() => Promise.resolve(urls[Math.min(reads++, 1)] ?? '')));
    await notifier.send('drain', '');
    await notifier.send('reboot', '');
    expect(slack.requests.map((r) => r.path)).toEqual(['/services/old', '/services/new']);
  });

  it('is retried when it cannot be read, then reported', async () => {
    const h = harness();
    await specNotifier(h.options(() => Promise.reject(new Error('secret "hooks" not found')))).send('drain', '');
    expect(h.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(h.errors).toEqual([
      'notification "drain" to the slack webhook of Secret hooks, key slack not sent after 4 attempts: cannot read its URL: secret "hooks" not found',
    ]);
  });

  it('counts against the attempt limit when reading it hangs', async () => {
    const h = harness();
    const started = Date.now();
    await specNotifier(h.options(() => new Promise<string>(() => undefined), { attemptTimeoutMs: 50 })).send(
      'drain',
      '',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(h.errors).toEqual([
      'notification "drain" to the slack webhook of Secret hooks, key slack not sent after 4 attempts: cannot read its URL: no answer within 50 ms',
    ]);
  });

  it('is reported, not shown, when it is not an http(s) URL', async () => {
    const h = harness();
    await specNotifier(h.options('slack://tokenA/tokenB/tokenC')).send('drain', '');
    expect(h.sleeps).toEqual([]);
    expect(h.errors).toEqual([
      'notification "drain" to the slack webhook of Secret hooks, key slack not sent: the Secret does not hold an http(s) URL',
    ]);
  });
});

describe('a webhook URL that cannot be sent', () => {
  it('is refused at once, not retried as if transient, and not shown', async () => {
    const h = harness();
    await specNotifier(h.options('https://bot:s3cret-token@hooks.example.invalid/services/T0/B0/x')).send('drain', '');
    expect(h.sleeps).toEqual([]);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toContain('holds a user name or password (user:pass@)');
    expect(h.errors[0]).not.toContain('s3cret-token');
  });
});

describe('policyNotifier', () => {
  it('sends to every notification of the policy, each with its own URL, even when one fails', async () => {
    const slack = await receiver(() => ({ status: 500 }));
    const hook = await receiver();
    const h = harness();
    const failedFormats: string[] = [];
    const urls: Record<string, string> = { slack: `${slack.url}${SECRET_PATH}`, generic: `${hook.url}/generic` };
    const notifier = policyNotifier({
      ...h.options(''),
      specs: [spec(), spec({ format: 'webhook', secretKeyRef: { name: 'hooks', key: 'generic' } })],
      resolveUrl: (ref) => Promise.resolve(urls[ref.key] ?? ''),
      onError(message, failed) {
        h.errors.push(message);
        failedFormats.push(failed.format);
      },
    });
    await notifier.send('reboot', '');
    expect(slack.requests).toHaveLength(4);
    expect(hook.requests.map((r) => (JSON.parse(r.body) as { text: string }).text)).toEqual([
      'Rebooting node aks-gpu-10 (gpu)',
    ]);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toContain('Secret hooks, key slack');
    expect(failedFormats).toEqual(['slack']);
  });
});

describe('renderTemplate', () => {
  it('fills every variable and leaves other braces as written', () => {
    const vars = { ...context, event: 'failed' as const, reason: 'PDB blocks eviction' };
    expect(renderTemplate('{event}: {node} ({pool}/{policy}) {reason} {other} {node}', vars)).toBe(
      'failed: aks-gpu-10 (gpuv5/gpu) PDB blocks eviction {other} aks-gpu-10',
    );
  });

  it('does not expand variables inside the values', () => {
    expect(renderTemplate('{reason}', { ...context, event: 'failed', reason: '{node}' })).toBe('{node}');
  });
});
