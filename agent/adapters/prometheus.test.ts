// The Prometheus alerts adapter against a real HTTP server on loopback speaking the /api/v1/alerts API.
import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../policy/errors.ts';
import { alertBlockReasons } from '../core/blockers.ts';
import { closedPort, startLoopback, type Loopback, type Reply } from '../../test/helpers/loopback.ts';
import { prometheusAlerts } from './prometheus.ts';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function prometheus(reply: Reply): Promise<Loopback> {
  server = await startLoopback(() => reply);
  return server;
}

function alertsAnswer(alerts: { name: string; state: string }[]): Reply {
  const body = {
    status: 'success',
    data: {
      alerts: alerts.map((a) => ({
        labels: { alertname: a.name, severity: 'warning' },
        annotations: { summary: `${a.name} is active` },
        state: a.state,
        activeAt: '2026-11-24T11:58:00Z',
        value: '1e+00',
      })),
    },
  };
  return { status: 200, body: JSON.stringify(body) };
}

describe('prometheusAlerts', () => {
  it('returns the name and state of every active alert', async () => {
    const p = await prometheus(
      alertsAnswer([
        { name: 'Watchdog', state: 'firing' },
        { name: 'NodeDiskPressure', state: 'pending' },
      ]),
    );
    const alerts = await prometheusAlerts({ prometheusUrl: p.url, timeoutMs: 2_000 }).active();
    expect(alerts).toEqual([
      { name: 'Watchdog', state: 'firing' },
      { name: 'NodeDiskPressure', state: 'pending' },
    ]);
    expect(p.requests.map((r) => [r.method, r.path])).toEqual([['GET', '/api/v1/alerts']]);
  });

  it('keeps a path prefix of the Prometheus URL', async () => {
    const p = await prometheus(alertsAnswer([]));
    await prometheusAlerts({ prometheusUrl: `${p.url}/prometheus/`, timeoutMs: 2_000 }).active();
    expect(p.requests[0]?.path).toBe('/prometheus/api/v1/alerts');
  });

  it('throws a TransientError on HTTP 500', async () => {
    const p = await prometheus({ status: 500, body: 'internal error' });
    const ask = prometheusAlerts({ prometheusUrl: p.url, timeoutMs: 2_000 }).active();
    await expect(ask).rejects.toThrow(TransientError);
    await expect(ask).rejects.toThrow(
      `alerts at ${p.url}/api/v1/alerts: HTTP 500 (internal error); alert blockers cannot be evaluated, so reboots stay blocked`,
    );
  });

  it('throws a TransientError when the answer is not JSON', async () => {
    const p = await prometheus({ status: 200, body: '<html>proxy login</html>' });
    await expect(prometheusAlerts({ prometheusUrl: p.url, timeoutMs: 2_000 }).active()).rejects.toThrow(
      /the answer is not JSON \(<html>proxy login<\/html>\)/,
    );
  });

  it('throws a TransientError when the status is not success', async () => {
    const p = await prometheus({
      status: 200,
      body: JSON.stringify({ status: 'error', errorType: 'internal', error: 'rule manager down' }),
    });
    await expect(prometheusAlerts({ prometheusUrl: p.url, timeoutMs: 2_000 }).active()).rejects.toThrow(
      /status is "error": rule manager down, not "success"/,
    );
  });

  it('throws a TransientError when an alert has no name', async () => {
    const p = await prometheus({
      status: 200,
      body: JSON.stringify({ status: 'success', data: { alerts: [{ labels: {}, state: 'firing' }] } }),
    });
    await expect(prometheusAlerts({ prometheusUrl: p.url, timeoutMs: 2_000 }).active()).rejects.toThrow(
      /data.alerts\[0\] has no labels.alertname/,
    );
  });

  it('throws a TransientError when Prometheus does not answer in time', async () => {
    const p = await prometheus('hang');
    const started = Date.now();
    const ask = prometheusAlerts({ prometheusUrl: p.url, timeoutMs: 200 }).active();
    await expect(ask).rejects.toThrow(TransientError);
    await expect(ask).rejects.toThrow(/no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('throws a TransientError when the connection is refused', async () => {
    const port = await closedPort();
    const ask = prometheusAlerts({ prometheusUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 }).active();
    await expect(ask).rejects.toThrow(TransientError);
    await expect(ask).rejects.toThrow(/request failed \(ECONNREFUSED\)/);
  });

  it('sends credentials of the URL as basic auth', async () => {
    const p = await prometheus(alertsAnswer([]));
    await prometheusAlerts({
      prometheusUrl: p.url.replace('http://', 'http://scraper:s3cret@'),
      timeoutMs: 2_000,
    }).active();
    expect(p.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('scraper:s3cret').toString('base64')}`);
  });

  it('does not show credentials of the URL in errors', async () => {
    const port = await closedPort();
    const ask = prometheusAlerts({
      prometheusUrl: `http://scraper:s3cret@127.0.0.1:${port}`,
      timeoutMs: 2_000,
    }).active();
    await expect(ask).rejects.toThrow(
      `alerts at http://127.0.0.1:${port}/api/v1/alerts: request failed (ECONNREFUSED)`,
    );
  });
});

describe('the alerts, through the core rule', () => {
  const spec = { prometheusUrl: '', timeoutMs: 2_000 };

  it('leaves pending alerts out with firingOnly and filtered alerts out with a filter', async () => {
    const p = await prometheus(
      alertsAnswer([
        { name: 'Watchdog', state: 'firing' },
        { name: 'NodeDiskPressure', state: 'firing' },
        { name: 'KubeletDown', state: 'pending' },
      ]),
    );
    const active = await prometheusAlerts({ prometheusUrl: p.url, timeoutMs: 2_000 }).active();
    expect(
      alertBlockReasons({ ...spec, filter: '^Watchdog$', filterMatchOnly: false, firingOnly: true }, active),
    ).toEqual([{ kind: 'alert', alert: 'NodeDiskPressure', state: 'firing' }]);
    expect(alertBlockReasons({ ...spec, filter: 'Down$', filterMatchOnly: true, firingOnly: false }, active)).toEqual([
      { kind: 'alert', alert: 'KubeletDown', state: 'pending' },
    ]);
  });
});

describe('an Alertmanager URL (v2 API only)', () => {
  /** Speaks Alertmanager 0.27+: 404 for /api/v1/alerts, a list of alerts on /api/v2/alerts. */
  async function alertmanager(alerts: { name: string; state: string }[]): Promise<Loopback> {
    server = await startLoopback((_i, req) =>
      req.path === '/api/v2/alerts'
        ? {
            status: 200,
            body: JSON.stringify(
              alerts.map((a) => ({
                labels: { alertname: a.name, severity: 'warning' },
                annotations: {},
                startsAt: '2026-11-24T11:58:00Z',
                endsAt: '2026-11-24T12:58:00Z',
                fingerprint: '0123456789abcdef',
                receivers: [{ name: 'team' }],
                status: { state: a.state, silencedBy: [], inhibitedBy: [] },
                updatedAt: '2026-11-24T11:58:00Z',
              })),
            ),
          }
        : { status: 404, body: 'Not Found' },
    );
    return server;
  }

  it('reads /api/v2/alerts: active alerts fire, unprocessed ones are pending, silenced ones do not block', async () => {
    const am = await alertmanager([
      { name: 'NodeDiskPressure', state: 'active' },
      { name: 'Fresh', state: 'unprocessed' },
      { name: 'Silenced', state: 'suppressed' },
    ]);
    const alerts = await prometheusAlerts({ prometheusUrl: am.url, timeoutMs: 2_000 }).active();
    expect(alerts).toEqual([
      { name: 'NodeDiskPressure', state: 'firing' },
      { name: 'Fresh', state: 'pending' },
      { name: 'Silenced', state: 'inactive' },
    ]);
    expect(am.requests.map((r) => r.path)).toEqual(['/api/v1/alerts', '/api/v2/alerts']);
    const spec = { prometheusUrl: am.url, filter: null, filterMatchOnly: false, firingOnly: true, timeoutMs: 2_000 };
    expect(alertBlockReasons(spec, alerts)).toEqual([{ kind: 'alert', alert: 'NodeDiskPressure', state: 'firing' }]);
  });

  it('throws on an answer that is not an Alertmanager alert list', async () => {
    server = await startLoopback((_i, req) =>
      req.path === '/api/v2/alerts' ? { status: 200, body: '{"status":"success"}' } : { status: 404 },
    );
    await expect(prometheusAlerts({ prometheusUrl: server.url, timeoutMs: 2_000 }).active()).rejects.toThrow(
      /api\/v2\/alerts is not a list/,
    );
  });
});
