// End to end, what keeps a reboot from starting: a pod blocker on one node, a firing Prometheus
// alert (a real HTTP server on loopback), and a maintenance window that only opens during the test.
// Real agent processes on kwok nodes; the watcher fails the test if any node starts while the test
// says it is blocked, or outside an effective window (see test/helpers/cluster-watcher.ts).
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopback, type Loopback } from '../helpers/loopback.ts';
import { E2eFleet } from '../helpers/e2e-fleet.ts';
import { createBarePod } from '../helpers/workloads.ts';
import { useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);

/** The agent of `short` told (an Event, logged) `reason` with a message matching `message`. */
function told(f: E2eFleet, short: string, reason: string, message: RegExp): boolean {
  return f.logs(short).some((l) => l.event === reason && message.test(String(l.msg)));
}

describe('gates on a real control plane', () => {
  let fleet: E2eFleet | undefined;
  let prometheus: Loopback | undefined;

  afterEach(async () => {
    await fleet?.close();
    await prometheus?.close();
    fleet = undefined;
    prometheus = undefined;
  });

  it('keeps the node with a blocking pod waiting while the others reboot, and reboots it once the pod is gone', async () => {
    let blocker = true;
    fleet = await E2eFleet.create(cluster, {
      policies: [
        {
          name: 'batch',
          pools: ['q'],
          maxUnavailable: 1,
          spec: { blockers: { pods: [{ selector: { matchLabels: { app: 'training' } } }] } },
        },
      ],
      nodes: { q1: { pool: 'q' }, q2: { pool: 'q' }, q3: { pool: 'q' } },
      blocked: (node) => (node === 'q1' && blocker ? 'pod training runs on q1' : undefined),
    });
    const f = fleet;
    await createBarePod(kc, f.id, 'training', { nodeName: f.node('q1'), labels: { app: 'training' } });
    await f.until('the training pod to run', () => f.watcher.pods().some((p) => p.status?.phase === 'Running'));

    f.startAgents();
    await f.until('q2 and q3 rebooted and done', () => f.rebootedAndDone('q2') && f.rebootedAndDone('q3'), 90_000);
    await f.until('q1 to say it is blocked', () =>
      told(f, 'q1', 'RebootBlocked', /pod .*\/training on the node matches a pod blocker/),
    );
    expect(f.host('q1').boots).toBe(0);
    // Its start gate is open, so it has asked for a grant (phase acquiring) with the blockers' verdict (ADR 0007).
    expect(f.watcher.state(f.node('q1'))?.phase).toBe('acquiring');
    expect(f.watcher.state(f.node('q1'))?.blocked).toMatch(/pod .*\/training on the node matches a pod blocker/);
    expect(f.watcher.node(f.node('q1'))?.unschedulable).toBe(false);

    blocker = false;
    f.watcher.note(f.node('q1'), 'test: deleting the training pod');
    await core.deleteNamespacedPod({ namespace: f.id, name: 'training', gracePeriodSeconds: 0 });
    await f.until('q1 rebooted and done', () => f.rebootedAndDone('q1'), 60_000);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    for (const n of f.nodes) expect(f.host(n).boots, n).toBe(1);
  });

  it('keeps the pool waiting while a Prometheus alert fires', async () => {
    let firing = true;
    prometheus = await startLoopback(() => ({
      status: 200,
      body: JSON.stringify({
        status: 'success',
        data: {
          alerts: firing ? [{ labels: { alertname: 'ApiErrorBudgetBurn', severity: 'page' }, state: 'firing' }] : [],
        },
      }),
    }));
    fleet = await E2eFleet.create(cluster, {
      policies: [
        {
          name: 'api',
          pools: ['r'],
          maxUnavailable: 1,
          spec: { blockers: { alerts: { prometheusUrl: prometheus.url, firingOnly: true, timeout: '2s' } } },
        },
      ],
      nodes: { r1: { pool: 'r' }, r2: { pool: 'r' } },
      blocked: () => (firing ? 'alert ApiErrorBudgetBurn is firing' : undefined),
    });
    const f = fleet;
    const p = prometheus;

    f.startAgents();
    await f.until('both agents to say the alert blocks them', () =>
      f.nodes.every((n) => told(f, n, 'RebootBlocked', /alert ApiErrorBudgetBurn is firing/)),
    );
    // They keep asking (every check interval) and keep waiting.
    const asked = p.requests.length;
    await f.until('the agents to ask Prometheus again a few times', () => p.requests.length >= asked + 4);
    expect(p.requests.every((r) => r.method === 'GET' && r.path === '/api/v1/alerts')).toBe(true);
    for (const n of f.nodes) {
      // Asking for a grant (phase acquiring) with the alert's verdict, never granted (ADR 0007).
      expect(f.watcher.state(f.node(n))?.phase, n).toBe('acquiring');
      expect(f.watcher.state(f.node(n))?.blocked, n).toMatch(/alert ApiErrorBudgetBurn is firing/);
      expect(f.host(n).boots).toBe(0);
    }
    expect(f.watcher.grants()).toEqual([]);

    firing = false;
    f.watcher.note('', 'test: the alert resolved');
    await f.until('every node rebooted and done', () => f.nodes.every((n) => f.rebootedAndDone(n)), 60_000);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    for (const n of f.nodes) expect(f.host(n).boots, n).toBe(1);
  });

  it('starts nobody before a window that opens during the test', async () => {
    // The next full minute at least 60 s away (windows start on a minute; the fleet and its agents
    // must be up and waiting before it opens, even on a busy machine), open for 30 minutes.
    const opensMs = Math.ceil((Date.now() + 60_000) / 60_000) * 60_000;
    const start = new Date(opensMs).toISOString().slice(11, 16);
    fleet = await E2eFleet.create(cluster, {
      policies: [
        {
          name: 'nightly',
          pools: ['w'],
          maxUnavailable: 1,
          spec: {
            timeZone: 'UTC',
            windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start, duration: '30m' }],
          },
        },
      ],
      nodes: { w1: { pool: 'w' }, w2: { pool: 'w' } },
    });
    const f = fleet;
    f.watcher.note('', `test: the window opens at ${new Date(opensMs).toISOString()}`);

    f.startAgents();
    await f.until('both agents to wait for the window', () =>
      f.nodes.every((n) => told(f, n, 'WaitingForWindow', new RegExp(`next start ${new Date(opensMs).toISOString()}`))),
    );
    await f.until('every node rebooted and done', () => f.nodes.every((n) => f.rebootedAndDone(n)), 180_000);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    const taken = f.watcher.grantEvents.filter((e) => e.kind === 'given');
    expect(taken).toHaveLength(2);
    for (const e of taken) expect(e.atMs, f.report()).toBeGreaterThanOrEqual(opensMs);
    for (const n of f.nodes) expect(f.host(n).boots, n).toBe(1);
  });
});
