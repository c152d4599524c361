// The agent's metrics and HTTP endpoint, scraped over real HTTP on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalError } from '../../policy/errors.ts';
import { agentHttpServer, type AgentHttpServer } from './http.ts';
import { createAgentMetrics, type AgentMetrics } from './metrics.ts';

let server: AgentHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(metrics: AgentMetrics, healthy: () => boolean = () => true): Promise<string> {
  server = agentHttpServer({ metrics, healthy });
  const port = await server.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return res.text();
}

const n = 'node="aks-gpu-10",policy="gpu"';

describe('metrics', () => {
  it('exposes every series at 0 before anything happened', async () => {
    const text = await scrape(
      await serve(createAgentMetrics({ node: 'aks-gpu-10', policy: 'gpu', processMetrics: false })),
    );
    for (const line of [
      `patchwindow_reboot_required{${n}} 0`,
      `patchwindow_phase{${n},phase="idle"} 1`,
      `patchwindow_phase{${n},phase="draining"} 0`,
      `patchwindow_blocked{${n},reason="alert"} 0`,
      `patchwindow_reboot_loop{${n}} 0`,
    ]) {
      expect(text).toContain(`\n${line}\n`);
    }
    expect(text).not.toContain('process_cpu_seconds_total');
  });

  it("exports gauges of its own node only: the fleet's counters and histograms are the coordinator's", async () => {
    // An agent restarts with its node: a counter of its own would read 1 after three reboots, and
    // the coordinator's series of the same names would be counted twice.
    const text = await scrape(
      await serve(createAgentMetrics({ node: 'aks-gpu-10', policy: 'gpu', processMetrics: false })),
    );
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(types.length).toBeGreaterThan(5);
    expect(types.filter(([, type]) => type !== 'gauge')).toEqual([]);
    for (const name of [
      'patchwindow_reboots_total',
      'patchwindow_failures_total',
      'patchwindow_drain_duration_seconds',
    ])
      expect(text).not.toContain(name);
  });

  it('reports what the agent tells it', async () => {
    const m = createAgentMetrics({ node: 'aks-gpu-10', policy: 'gpu', processMetrics: false });
    m.setRebootRequired(true);
    m.setPhase('draining');
    m.setBlocked([
      { kind: 'alert', alert: 'NodeDiskPressure', state: 'firing' },
      { kind: 'pod', pod: 'ml/train-0' },
      { kind: 'pod', pod: 'ml/train-1' },
    ]);
    m.setRebootLoop(true);
    m.setNotificationFailed('slack', 1_780_000_100_000);
    m.setDebt({ pendingSinceMs: 1_780_000_000_000, lastRebootMs: 1_770_000_000_000, maxPendingMs: 14 * 86_400_000 });
    m.setSentinelMount(false);
    const text = await scrape(await serve(m));
    for (const line of [
      `patchwindow_reboot_required{${n}} 1`,
      `patchwindow_phase{${n},phase="idle"} 0`,
      `patchwindow_phase{${n},phase="draining"} 1`,
      `patchwindow_phase{${n},phase="rebooting"} 0`,
      `patchwindow_blocked{${n},reason="alert"} 1`,
      `patchwindow_blocked{${n},reason="pod"} 1`,
      `patchwindow_blocked{${n},reason="hold"} 0`,
      `patchwindow_blocked{${n},reason="unknown"} 0`,
      `patchwindow_reboot_loop{${n}} 1`,
      `patchwindow_notification_last_failure_timestamp_seconds{${n},format="slack"} 1780000100`,
      `patchwindow_reboot_pending_since_timestamp_seconds{${n}} 1780000000`,
      `patchwindow_last_reboot_timestamp_seconds{${n}} 1770000000`,
      `patchwindow_reboot_max_pending_seconds{${n}} 1209600`,
      `patchwindow_sentinel_mount_ok{${n}} 0`,
    ]) {
      expect(text).toContain(`\n${line}\n`);
    }
  });

  it('clears a blocker and returns to idle', async () => {
    const m = createAgentMetrics({ node: 'aks-gpu-10', policy: 'gpu', processMetrics: false });
    m.setBlocked([{ kind: 'hold', source: 'label', value: 'true' }]);
    m.setPhase('rebooting');
    m.setBlocked([]);
    m.setPhase(null);
    const text = await scrape(await serve(m));
    expect(text).toContain(`\npatchwindow_blocked{${n},reason="hold"} 0\n`);
    expect(text).toContain(`\npatchwindow_phase{${n},phase="rebooting"} 0\n`);
    expect(text).toContain(`\npatchwindow_phase{${n},phase="idle"} 1\n`);
  });

  it('includes the process metrics by default', async () => {
    const text = await scrape(await serve(createAgentMetrics({ node: 'aks-gpu-10', policy: 'gpu' })));
    expect(text).toContain('\n# TYPE process_cpu_seconds_total counter\n');
    expect(text).toContain('\n# TYPE nodejs_heap_size_used_bytes gauge\n');
  });
});

describe('agentHttpServer', () => {
  const metrics = (): AgentMetrics => createAgentMetrics({ node: 'aks-gpu-10', policy: 'gpu', processMetrics: false });

  it('answers /healthz with 200 while the loop is healthy and 503 when it is not', async () => {
    let healthy = true;
    const base = await serve(metrics(), () => healthy);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    healthy = false;
    const res = await fetch(`${base}/healthz`);
    expect([res.status, await res.text()]).toEqual([503, 'the agent loop has made no progress recently\n']);
  });

  it('answers 404 for any other path and 405 for other methods', async () => {
    const base = await serve(metrics());
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metricsz`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('ignores a query string', async () => {
    const base = await serve(metrics());
    expect((await fetch(`${base}/healthz?verbose=1`)).status).toBe(200);
  });

  it('closes while a scraper keeps its connection alive', async () => {
    const base = await serve(metrics());
    await (await fetch(`${base}/metrics`, { headers: { connection: 'keep-alive' } })).text();
    await server?.close();
    server = undefined;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('fails with a TerminalError when the port is taken', async () => {
    const base = await serve(metrics());
    const port = Number(new URL(base).port);
    const second = agentHttpServer({ metrics: metrics(), healthy: () => true });
    const listening = second.listen(port, '127.0.0.1');
    await expect(listening).rejects.toThrow(TerminalError);
    await expect(listening).rejects.toThrow(`cannot serve metrics on 127.0.0.1:${port}: listen EADDRINUSE`);
  });
});
