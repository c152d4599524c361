// The reconciler's HTTP endpoint and metrics, over real HTTP on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import type { CycleResult } from './cycle.ts';
import { reconcilerHttpServer, type Probe, type ReconcilerHttpServer } from './http.ts';
import { type SyncReply } from './forward.ts';
import { createReconcilerMetrics, type ReconcilerMetrics } from './metrics.ts';

let server: ReconcilerHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Knobs {
  live?: Probe;
  ready?: Probe;
  sync?: () => Promise<SyncReply>;
}

async function serve(metrics: ReconcilerMetrics, knobs: Knobs = {}): Promise<string> {
  server = reconcilerHttpServer({
    registry: metrics.registry,
    live: () => knobs.live ?? { ok: true },
    ready: () => knobs.ready ?? { ok: true },
    // Authentication has its own suite (webhook.test.ts); here /sync is open by choice.
    guard: { kind: 'open' },
    sync: knobs.sync ?? (() => Promise.resolve({ status: 202, body: { cycle: 'started' } })),
  });
  return `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
}

const applied: CycleResult = {
  outcome: 'applied',
  commit: 'a'.repeat(40),
  result: {
    created: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' }],
    configured: [],
    unchanged: [],
    pruned: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'ns', name: 'y' }],
  },
  policies: 3,
  pools: 5,
  warnings: [],
};

describe('reconciler metrics', () => {
  it('exposes every series at 0 before the first cycle', async () => {
    const text = await (
      await fetch(`${await serve(createReconcilerMetrics({ processMetrics: false }))}/metrics`)
    ).text();
    for (const line of [
      'patchwindow_reconcile_total{outcome="applied"} 0',
      'patchwindow_reconcile_total{outcome="invalid"} 0',
      'patchwindow_reconcile_total{outcome="failed"} 0',
      'patchwindow_reconcile_duration_seconds_count{outcome="applied"} 0',
      'patchwindow_reconcile_last_success_timestamp_seconds 0',
      'patchwindow_reconcile_objects_total{action="pruned"} 0',
      'patchwindow_reconcile_skipped_total 0',
      'patchwindow_policies 0',
      'patchwindow_pools 0',
      'patchwindow_reconciler_leader 0',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
  });

  it('counts outcomes; only an applied cycle moves the last success time, policies and pools', async () => {
    const metrics = createReconcilerMetrics({ processMetrics: false });
    metrics.observeCycle(applied, 1_500, 1_700_000_000_000);
    metrics.observeCycle({ outcome: 'invalid', commit: 'b'.repeat(40), diagnostics: [] }, 200, 1_700_000_060_000);
    metrics.observeCycle({ outcome: 'failed', error: 'cannot fetch' }, 100, 1_700_000_120_000);
    metrics.countSkipped();
    metrics.setLeader(true);
    const text = await (await fetch(`${await serve(metrics)}/metrics`)).text();
    for (const line of [
      'patchwindow_reconcile_total{outcome="applied"} 1',
      'patchwindow_reconcile_total{outcome="invalid"} 1',
      'patchwindow_reconcile_total{outcome="failed"} 1',
      'patchwindow_reconcile_duration_seconds_sum{outcome="applied"} 1.5',
      'patchwindow_reconcile_last_success_timestamp_seconds 1700000000',
      'patchwindow_reconcile_last_attempt_timestamp_seconds 1700000120',
      'patchwindow_reconcile_objects_total{action="created"} 1',
      'patchwindow_reconcile_objects_total{action="configured"} 0',
      'patchwindow_reconcile_objects_total{action="pruned"} 1',
      'patchwindow_reconcile_skipped_total 1',
      'patchwindow_policies 3',
      'patchwindow_pools 5',
      'patchwindow_reconciler_leader 1',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
  });
});

describe('reconciler HTTP endpoint', () => {
  it('answers the probes with 200, or 503 and the reason', async () => {
    const base = await serve(createReconcilerMetrics({ processMetrics: false }), {
      live: { ok: false, reason: 'a cycle has run for 11m' },
      ready: { ok: true },
    });
    const live = await fetch(`${base}/healthz`);
    expect([live.status, await live.text()]).toEqual([503, 'a cycle has run for 11m\n']);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ok\n']);
  });

  it('runs a cycle on POST /sync, ignoring the webhook payload, and answers in JSON', async () => {
    let calls = 0;
    const base = await serve(createReconcilerMetrics({ processMetrics: false }), {
      sync: () => Promise.resolve({ status: 202, body: { cycle: calls++ === 0 ? 'started' : 'queued' } }),
    });
    const payload = JSON.stringify({
      ref: 'refs/heads/main',
      commits: Array.from({ length: 100 }, (_, i) => ({ id: String(i) })),
    });
    const first = await fetch(`${base}/sync`, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json' },
    });
    expect([first.status, await first.json()]).toEqual([202, { cycle: 'started' }]);
    const second = await fetch(`${base}/sync`, { method: 'POST' });
    expect(await second.json()).toEqual({ cycle: 'queued' });
  });

  it('refuses GET /sync and POST /metrics with 405, unknown paths with 404', async () => {
    const base = await serve(createReconcilerMetrics({ processMetrics: false }));
    const get = await fetch(`${base}/sync`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/`)).status).toBe(404);
  });

  it('answers 500 with the message when a sync fails unexpectedly', async () => {
    const base = await serve(createReconcilerMetrics({ processMetrics: false }), {
      sync: () => Promise.reject(new Error('lease read failed')),
    });
    const res = await fetch(`${base}/sync`, { method: 'POST' });
    expect([res.status, await res.text()]).toEqual([500, 'lease read failed\n']);
  });
});
