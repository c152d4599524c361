// End to end: a rollout over two pools with one real `patchwindow agent` process per kwok node, each
// node's reboot played by its simulated host (agent killed, node NotReady, new boot id, agent
// started again, node Ready), the invariants watched the whole time.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopback, type Loopback } from '../helpers/loopback.ts';
import { E2eFleet, POOL_LABEL } from '../helpers/e2e-fleet.ts';
import { useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

describe('a rollout over two pools under a binding fleet cap, granted by a real coordinator process', () => {
  let fleet: E2eFleet | undefined;
  let webhook: Loopback | undefined;

  afterEach(async () => {
    await fleet?.close();
    await webhook?.close();
    fleet = undefined;
    webhook = undefined;
  });

  it('reboots every node exactly once, never over a budget or the cap, and leaves all uncordoned with every grant released', async () => {
    webhook = await startLoopback(() => ({ status: 200, body: 'ok' }));
    fleet = await E2eFleet.create(cluster, {
      policies: [
        { name: 'alpha', pools: ['a'], maxUnavailable: 1 },
        {
          name: 'beta',
          pools: ['b'],
          maxUnavailable: 2,
          // Each beta node holds its grant at least 5 s (reboot.delay), so the cap is in use meanwhile.
          spec: {
            reboot: { expectedDuration: '30s', delay: '5s' },
            notifications: [
              { format: 'webhook', urlFrom: { secretKeyRef: { name: 'hooks', key: 'url' } }, events: ['done'] },
            ],
          },
        },
      ],
      fleetSpec: { maxUnavailable: 2 },
      nodes: {
        a1: { pool: 'a' },
        a2: { pool: 'a' },
        a3: { pool: 'a' },
        b1: { pool: 'b' },
        b2: { pool: 'b' },
        b3: { pool: 'b' },
        b4: { pool: 'b' },
      },
    });
    const f = fleet;
    const secretUrl = `${webhook.url}/hooks/T0PS3CRET`;
    await core.createNamespacedSecret({
      namespace: f.id,
      body: { metadata: { name: 'hooks' }, stringData: { url: secretUrl } },
    });
    // Workload pods on every node, so each drain evicts something and the pods move around.
    await apps.createNamespacedDeployment({
      namespace: f.id,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 7,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      { matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: [f.pool('a'), f.pool('b')] }] },
                    ],
                  },
                },
              },
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: { matchLabels: { app: 'web' } },
                },
              ],
              containers: [{ name: 'web', image: 'example.invalid/web:1' }],
            },
          },
        },
      },
    });
    await f.until(
      'the web pods to run',
      () => f.watcher.pods().filter((p) => p.status?.phase === 'Running').length === 7,
    );

    f.startAgents();
    await f.until('every node rebooted and done', () => f.nodes.every((n) => f.rebootedAndDone(n)), 400_000);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    for (const n of f.nodes) {
      expect(f.host(n).boots, `${n}\n${f.report()}`).toBe(1);
      expect(f.watcher.reboots(f.node(n))).toEqual([f.host(n).bootId]);
      expect((await f.events(n)).map((e) => e.reason)).toContain('RebootDone');
    }
    // The cap bound and was used, not just respected: two grants at once, never three (1 + 2 would fit the budgets).
    expect(f.watcher.maxGrantsHeld('fleet')).toBe(2);
    expect(f.watcher.maxGrantsHeld('alpha')).toBe(1);
    expect(f.watcher.maxGrantsHeld('beta')).toBeLessThanOrEqual(2);
    // The fleet's counters live in the coordinator, which outlived every agent process.
    const leader = f.coordinators[0]!;
    const port = leader.logs().find((l) => typeof l.port === 'number')?.port as number;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('patchwindow_reboots_total{policy="alpha"} 3');
    expect(metrics).toContain('patchwindow_reboots_total{policy="beta"} 4');
    expect(metrics).toContain('patchwindow_grants_total{policy="beta"} 4');
    expect(metrics).toContain('patchwindow_coordinator_leader 1');
    // Drains went through the eviction API and the pods were placed again.
    expect(f.logs('a1').some((l) => typeof l.msg === 'string' && /^evict .*: evicted$/.test(l.msg))).toBe(true);
    await f.until(
      'the web pods to run again',
      () =>
        f.watcher.pods().filter((p) => p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined)
          .length === 7,
    );

    // beta's agents read the webhook URL from the Secret (through their RBAC) and never logged it.
    await f.until('a "done" notification per beta node', () => webhook!.requests.length >= 4, 30_000);
    const bodies = webhook.requests.map((r) => r.body).join('\n');
    for (const n of ['b1', 'b2', 'b3', 'b4']) expect(bodies).toContain(f.node(n));
    expect(webhook.requests.every((r) => r.path === '/hooks/T0PS3CRET')).toBe(true);
    const output = f.nodes.flatMap((n) => f.processes.get(n)!.map((p) => p.output())).join('\n');
    expect(output).not.toContain('T0PS3CRET');
    expect(f.problems).toEqual([]);
  }, 600_000);
});
