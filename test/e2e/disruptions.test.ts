// End to end, the world interfering: a node an admin cordoned beforehand, agents killed (SIGKILL)
// in the middle of a drain and of a reboot, and a node deleted while it holds a slot. Real agent
// processes on kwok nodes, invariants watched the whole time (see test/helpers/e2e-fleet.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { E2eFleet, POOL_LABEL } from '../helpers/e2e-fleet.ts';
import {
  available,
  createDeployment,
  createPdb,
  patchPdb,
  PLACEMENT_TAINT,
  podsOf,
  untaint,
} from '../helpers/workloads.ts';
import { useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();

describe('disruptions on a real control plane', () => {
  let fleet: E2eFleet | undefined;

  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('reboots a node an admin cordoned beforehand and leaves it cordoned', async () => {
    // Budget 2: the cordoned node counts as unavailable the whole time, so the others go one at a time.
    fleet = await E2eFleet.create(cluster, {
      policies: [{ name: 'general', pools: ['c'], maxUnavailable: 2 }],
      nodes: { c1: { pool: 'c', cordoned: true }, c2: { pool: 'c' }, c3: { pool: 'c' } },
    });
    const f = fleet;

    f.startAgents();
    await f.until('every node rebooted and done', () => f.nodes.every((n) => f.rebootedAndDone(n)), 90_000);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    // The watcher allows c1 (cordoned before the agents started) and no other node to stay cordoned.
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    expect(f.watcher.node(f.node('c1'))?.unschedulable).toBe(true);
    for (const n of f.nodes) expect(f.host(n).boots, n).toBe(1);
    const reasons = (await f.events('c1')).map((e) => e.reason);
    expect(reasons).toContain('AlreadyCordoned');
    expect(reasons).not.toContain('Uncordoned');
  });

  it('finishes the reboot of a node whose agent is killed during its drain and again during its reboot', async () => {
    fleet = await E2eFleet.create(cluster, {
      policies: [
        {
          name: 'db',
          pools: ['k'],
          maxUnavailable: 1,
          spec: { drain: { timeout: '60s' }, reboot: { expectedDuration: '30s', delay: '10s' } },
        },
      ],
      nodes: { k1: { pool: 'k' }, k2: { pool: 'k', taints: [PLACEMENT_TAINT] } },
    });
    const f = fleet;
    // One pod on k1 that its PodDisruptionBudget holds until the test lets it go.
    await createDeployment(kc, f.id, 'db', { replicas: 1, nodeSelector: { [POOL_LABEL]: f.pool('k') } });
    await createPdb(kc, f.id, 'db', { minAvailable: 1 });
    await f.until('the db pod Ready on k1', () =>
      podsOf(f.watcher.pods(), 'db').some((p) => available(p) && p.spec?.nodeName === f.node('k1')),
    );
    await untaint(kc, f.node('k2'));
    const evictionsRefused = (short: string) =>
      (f.agent(short)?.logs() ?? []).filter((l) => /^evict .*: blocked$/.test(String(l.msg))).length;

    f.startAgents();
    await f.until(
      'k1 draining, held by the PodDisruptionBudget',
      () => f.watcher.state(f.node('k1'))?.phase === 'draining' && evictionsRefused('k1') > 0,
      60_000,
    );
    await f.killAgent('k1');
    const deadlineMs = f.watcher.state(f.node('k1'))!.drainDeadlineMs;
    f.startAgent('k1');
    // The new process carries on with the same drain (same deadline), still refused.
    await f.until('the restarted agent of k1 to drain again', () => evictionsRefused('k1') > 0);
    expect(f.watcher.state(f.node('k1'))).toMatchObject({ phase: 'draining', drainDeadlineMs: deadlineMs });
    await patchPdb(kc, f.id, 'db', { minAvailable: 0 });

    // reboot.delay holds k1 in phase rebooting for 10 s before it runs the reboot command.
    await f.until(
      'k1 rebooting, the command not yet run',
      () => f.watcher.state(f.node('k1'))?.phase === 'rebooting',
      60_000,
    );
    await f.killAgent('k1');
    expect(await f.host('k1').commands(), f.report()).toEqual([]);
    f.startAgent('k1');

    await f.until('every node rebooted and done', () => f.nodes.every((n) => f.rebootedAndDone(n)), 90_000);
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    for (const n of f.nodes) expect(f.host(n).boots, n).toBe(1);
    // One reboot command: the restarted agent ran it once the delay was over, nobody ran it twice.
    expect(await f.host('k1').commands()).toEqual(['/bin/systemctl reboot']);
    expect(f.watcher.node(f.node('k1'))?.unschedulable).toBe(false);
    // k1: the first agent, the one started during the drain, the one started during the reboot, and the one after it.
    expect(f.processes.get('k1')).toHaveLength(4);
  });

  it('frees the grant of a node deleted while holding it, and the rollout continues', async () => {
    fleet = await E2eFleet.create(cluster, {
      policies: [{ name: 'edge', pools: ['d'], maxUnavailable: 1 }],
      nodes: { d1: { pool: 'd' }, d2: { pool: 'd' }, d3: { pool: 'd' } },
    });
    const f = fleet;

    f.startAgents();
    await f.until('a node to hold the grant', () => f.watcher.grants().length === 1, 120_000);
    const holder = f.watcher.grants()[0]!.node;
    const gone = f.nodes.find((n) => f.node(n) === holder)!;
    await f.deleteNode(gone);
    const others = f.nodes.filter((n) => n !== gone);
    await f.until('the other nodes rebooted and done', () => others.every((n) => f.rebootedAndDone(n)), 90_000);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    for (const n of others) expect(f.host(n).boots, n).toBe(1);
    expect(f.host(gone).boots).toBe(0);
    // The coordinator freed the deleted node's grant, and granted each other node once.
    const released = f.watcher.grantEvents.filter((e) => e.kind === 'released' && e.node === holder);
    expect(released, f.report()).toHaveLength(1);
    expect(
      f.watcher.grantEvents
        .filter((e) => e.kind === 'given' && e.node !== holder)
        .map((e) => e.node)
        .sort(),
    ).toEqual(others.map((n) => f.node(n)).sort());
  });
});
