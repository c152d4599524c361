// End to end, spec.halt with a health gate: a Deployment made unavailable while the first node
// reboots (real deployment and replicaset controllers; kwok never schedules the pod of a replica whose
// nodeSelector no node has, so `availableReplicas` stays short) and still unavailable
// `healthGrace` after that node returned halts the pool with a `health-gate` failure naming it:
// on the halt Lease, in `status`, in the PoolHalted Event. The second node is never granted.
// Real agent and coordinator processes on kwok nodes, the invariants watched the whole time.
import { AppsV1Api, CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { haltLeaseName } from '../../kube/halts.ts';
import { decodeGateFailures, gateFailuresKey } from '../../policy/gate-failures.ts';
import { decodeHalt, haltKey } from '../../policy/halt.ts';
import { CONFIG_FILE } from '../../reconciler/render/daemonset.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, POLICY_LABEL } from '../../reconciler/render/objects.ts';
import { runCli } from '../helpers/cli.ts';
import { E2eFleet } from '../helpers/e2e-fleet.ts';
import { createDeployment } from '../helpers/workloads.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { waitFor } from '../testenv/wait.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const CHECK = 'api available';

describe('a health gate failing right after a node returns halts the pool (spec.halt)', () => {
  const workloads = uniqueName('halt-gate');
  let fleet: E2eFleet | undefined;
  let unhealthy = false;

  afterAll(async () => {
    await fleet?.close();
    await core.deleteNamespace({ name: workloads }).catch(() => undefined);
  });

  it('notes a health-gate failure of the returned node, halts with it as evidence, and never grants the next node', async () => {
    await core.createNamespace({ body: { metadata: { name: workloads } } });
    await createDeployment(kc, workloads, 'api', {
      replicas: 0,
      nodeSelector: { 'halt-gate.patchwindow.dev/never': 'true' },
    });
    fleet = await E2eFleet.create(cluster, {
      policies: [
        {
          name: 'pay',
          pools: ['p'],
          maxUnavailable: 1,
          spec: {
            // Each node holds its grant at least 5 s: time to make the Deployment unavailable meanwhile.
            reboot: { expectedDuration: '30s', delay: '5s' },
            halt: { afterFailures: 1, within: '1h', healthGrace: '3s' },
            healthChecks: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                namespace: workloads,
                name: 'api',
                expression: 'object.?status.availableReplicas.orValue(0) >= object.spec.replicas',
                reason: CHECK,
              },
            ],
          },
        },
      ],
      nodes: { p1: { pool: 'p' }, p2: { pool: 'p' } },
      // The watcher fails the test if a node starts (cordons) while this says the cluster is unhealthy.
      blocked: () => (unhealthy ? 'the gated Deployment is unavailable' : undefined),
    });
    const f = fleet;
    // The rendered config as the cluster holds it, so status finds the policy's Fleet.
    await core.createNamespacedConfigMap({
      namespace: f.id,
      body: {
        metadata: { name: 'patchwindow-pay', labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [POLICY_LABEL]: 'pay' } },
        data: { [CONFIG_FILE]: JSON.stringify(f.config('p1')) },
      },
    });
    f.startCoordinator(['--gate-recheck', '1s']);
    f.startAgents();

    await f.until('a first node cordoned', () => f.nodes.some((n) => f.watcher.node(f.node(n))?.unschedulable));
    const first = f.nodes.find((n) => f.watcher.node(f.node(n))?.unschedulable)!;
    const second = f.nodes.find((n) => n !== first)!;
    unhealthy = true;
    await apps.patchNamespacedDeployment({ namespace: workloads, name: 'api', body: { spec: { replicas: 1 } } }, MERGE);
    await f.until('the first node rebooted and done', () => f.rebootedAndDone(first), 120_000);

    const annotations = async () =>
      (await leases.readNamespacedLease({ namespace: f.id, name: haltLeaseName(f.id) }).catch(() => undefined))
        ?.metadata?.annotations ?? {};
    const record = await waitFor(
      'the halt on its Lease',
      async () => {
        const r = decodeHalt((await annotations())[haltKey('pay')]);
        return r?.state === 'halted' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(record.failures, f.report()).toMatchObject([{ node: f.node(first), kind: 'health-gate' }]);
    expect(record.failures[0]!.reason).toMatch(
      new RegExp(
        `^health check "${CHECK}" still false 3s after the node returned at .*: Deployment ${workloads}/api: the expression is false$`,
      ),
    );
    // Noted on the halt Lease beside the record (the coordinator may not write Nodes), once.
    expect(decodeGateFailures((await annotations())[gateFailuresKey('pay')])).toMatchObject([
      { node: f.node(first), kind: 'health-gate' },
    ]);
    const events = await waitFor(
      'the Events on the returned node',
      async () => {
        const list = await f.events(first);
        const reasons = list.map((e) => e.reason);
        return reasons.includes('PoolHalted') && reasons.includes('HealthGateFailedAfterReboot') ? list : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(events.find((e) => e.reason === 'PoolHalted')?.message).toMatch(/health-gate: health check/);

    // status says why, with the evidence; the second node still waits after the gate recovered.
    const status = await runCli(['status', '--namespace', f.id], {
      env: { KUBECONFIG: cluster.info.kubeconfigPath },
      nowMs: Date.now(),
    });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/policy pay \(fleet .*\) HALTED since .* after 1 failures within 1h/);
    expect(status.stdout).toContain(`${f.node(first)}: health-gate: health check "${CHECK}" still false 3s`);
    await apps.patchNamespacedDeployment({ namespace: workloads, name: 'api', body: { spec: { replicas: 0 } } }, MERGE);
    unhealthy = false;
    await new Promise((r) => setTimeout(r, 5_000));
    expect(f.watcher.grants().some((g) => g.node === f.node(second))).toBe(false);
    expect(f.watcher.reboots(f.node(second))).toEqual([]);
    expect(decodeGateFailures((await annotations())[gateFailuresKey('pay')])).toHaveLength(1);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(f.problems).toEqual([]);
  }, 300_000);
});
