// The invariant watcher of the e2e suites (test/helpers/cluster-watcher.ts) against the real API
// server, for what it must get right when its two watch streams disagree: a cordon that arrives on
// the Node stream before the grant that allowed it arrives on the Lease stream (seen in CI on a
// loaded machine: 265 ms) is no violation, and a cordon naming a grant that was never given still is;
// a node that goes NotReady by itself after a grant (in CI: a Node registered again 40 ms before the
// coordinator's watch showed it) is not held against that grant, but against any grant given later.
import { CoordinationV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restOf } from '../../kube/config.ts';
import { FLEET_LABEL, GRANT_LABEL, GRANT_POLICY_LABEL, grantLeaseName, KubeGrants } from '../../kube/grants.ts';
import { CORDONED_BY_ANNOTATION } from '../../policy/keys.ts';
import { count, POOL_LABEL, testConfig } from '../fakes/config.ts';
import { retargetKubeconfig, startApiProxy, type ApiProxy } from '../helpers/api-proxy.ts';
import { ClusterWatcher } from '../helpers/cluster-watcher.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A namespace, a fleet and a pool of two Nodes, named uniquely. */
interface Pool {
  readonly ns: string;
  readonly fleet: string;
  readonly pool: string;
  readonly nodes: readonly [string, string];
}

function newPool(): Pool {
  const pool = uniqueName('pool');
  return { ns: uniqueName('watcher'), fleet: uniqueName('fleet'), pool, nodes: [`${pool}-1`, `${pool}-2`] };
}

/** Creates the pool's namespace and Nodes; a watcher of them, policy `general` with `budget`. */
async function watchPool(p: Pool, budget: number, leaseStreamKc?: KubeConfig): Promise<ClusterWatcher> {
  await core.createNamespace({ body: { metadata: { name: p.ns } } });
  await cluster.createNodes(p.nodes.map((name) => ({ name, labels: { [POOL_LABEL]: p.pool } })));
  const config = {
    ...testConfig({ policy: 'general', pools: [p.pool], budget: count(budget), fleetBudget: null }),
    fleet: p.fleet,
    namespace: p.ns,
  };
  return ClusterWatcher.start({
    kc,
    namespace: p.ns,
    fleet: p.fleet,
    configs: [config],
    ...(leaseStreamKc === undefined ? {} : { leaseStreamKc }),
  });
}

async function removePool(p: Pool, watcher: ClusterWatcher | undefined): Promise<void> {
  watcher?.stop();
  await cluster.deleteNodes([...p.nodes]);
  await core.deleteNamespace({ name: p.ns }).catch(() => undefined);
}

describe('ClusterWatcher with a Lease stream that lags behind the Node stream', () => {
  const p = newPool();
  const { ns, fleet } = p;
  const [granted, never] = p.nodes;
  let dir: string;
  let proxy: ApiProxy;
  let watcher: ClusterWatcher;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-watcher-'));
    proxy = await startApiProxy(cluster.info.apiUrl);
    const lagging = new KubeConfig();
    lagging.loadFromFile(await retargetKubeconfig(cluster.info.kubeconfigPath, join(dir, 'kubeconfig'), proxy.url));
    watcher = await watchPool(p, 2, lagging);
  });

  afterAll(async () => {
    await removePool(p, watcher);
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cordon = (name: string, mark: string) =>
    core.patchNode(
      { name, body: { spec: { unschedulable: true }, metadata: { annotations: { [CORDONED_BY_ANNOTATION]: mark } } } },
      MERGE,
    );

  it('counts a cordon whose grant it has not seen yet only when a fresh list does not show that grant', async () => {
    proxy.hold();
    const lease = await leases.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: {
          name: grantLeaseName(granted),
          labels: { [FLEET_LABEL]: fleet, [GRANT_LABEL]: 'true', [GRANT_POLICY_LABEL]: 'general' },
        },
        spec: { holderIdentity: granted, leaseDurationSeconds: 600 },
      },
    });
    const epoch = lease.metadata!.uid!;
    await cordon(granted, epoch);
    await watcher.until('the cordon of the granted node', () => watcher.node(granted)?.unschedulable === true);
    // The Lease stream is held back: the watcher has not seen the grant when it sees the cordon.
    expect(watcher.grants().map((g) => g.node)).not.toContain(granted);
    expect(await watcher.settledViolations(), watcher.report()).toEqual([]);

    await cordon(never, 'an-epoch-never-granted');
    await watcher.until('the cordon of the node without a grant', () => watcher.node(never)?.unschedulable === true);
    proxy.release();
    await watcher.until('the grant on the Lease stream', () => watcher.grants().some((g) => g.node === granted));
    expect(await watcher.settledViolations()).toEqual([
      expect.stringContaining(`${never} was cordoned by its agent without holding the grant an-epoch-never-granted`),
    ]);
  });
});

describe('ClusterWatcher with a node that goes NotReady by itself', () => {
  const p = newPool();
  const { ns, fleet } = p;
  const [holder, down] = p.nodes;
  let watcher: ClusterWatcher;

  beforeAll(async () => {
    watcher = await watchPool(p, 1);
  });

  afterAll(() => removePool(p, watcher));

  // As the coordinator gives it: acquireTime is when it was given.
  const grant = () =>
    new KubeGrants(restOf(kc), { namespace: ns, fleet }).give(
      { node: holder, nodeUid: '', policy: 'general', ttlMs: 600_000 },
      Date.now(),
    );

  it('holds it against a grant given after it went down, not against the grant it found', async () => {
    await grant();
    await watcher.until('the grant', () => watcher.grants().some((g) => g.node === holder));
    await cluster.setNodeReady(down, false);
    await watcher.until('the node NotReady', () => watcher.node(down)?.ready === false);
    expect(await watcher.settledViolations(), watcher.report()).toEqual([]);

    await leases.deleteNamespacedLease({ namespace: ns, name: grantLeaseName(holder) });
    await watcher.until('the grant released', () => watcher.grants().length === 0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await grant();
    await watcher.until('the grant given again', () => watcher.grants().some((g) => g.node === holder));
    expect(await watcher.settledViolations()).toEqual([
      expect.stringContaining(`general: 2 of 2 nodes unavailable (${holder} grant, ${down} NotReady), budget 1`),
    ]);
  });
});
