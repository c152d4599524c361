// End to end, drains: PodDisruptionBudgets make the drain wait for replacements, and a drain that
// cannot finish in time follows the policy's drain.onFailure. Real agent processes on kwok nodes,
// invariants watched the whole time (see test/helpers/e2e-fleet.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { E2eFleet, POOL_LABEL } from '../helpers/e2e-fleet.ts';
import {
  available,
  createDeployment,
  createPdb,
  disruptionsAllowed,
  PLACEMENT_TAINT,
  podsOf,
  untaint,
} from '../helpers/workloads.ts';
import { useCluster } from '../testenv/use-cluster.ts';
import { waitFor } from '../testenv/wait.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();

describe('drains on a real control plane', () => {
  let fleet: E2eFleet | undefined;

  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('waits for the scheduler to place replacements under a PodDisruptionBudget, then proceeds', async () => {
    fleet = await E2eFleet.create(cluster, {
      policies: [{ name: 'web', pools: ['p'], maxUnavailable: 1 }],
      // Only x needs a reboot; y and z take the replacements (kept free of pods until then).
      nodes: {
        x: { pool: 'p' },
        y: { pool: 'p', sentinel: false, taints: [PLACEMENT_TAINT] },
        z: { pool: 'p', sentinel: false, taints: [PLACEMENT_TAINT] },
      },
    });
    const f = fleet;
    await createDeployment(kc, f.id, 'web', { replicas: 3, nodeSelector: { [POOL_LABEL]: f.pool('p') } });
    await createPdb(kc, f.id, 'web', { maxUnavailable: 1 });
    const web = () => podsOf(f.watcher.pods(), 'web');
    await f.until(
      '3 web pods Ready on x',
      () => web().filter((p) => available(p) && p.spec?.nodeName === f.node('x')).length === 3,
    );
    await waitFor(
      'the PodDisruptionBudget to allow one disruption',
      async () => ((await disruptionsAllowed(kc, f.id, 'web')) === 1 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    // The budget says at most one web pod unavailable: never fewer than two serving, at any moment.
    f.watcher.invariant('web PodDisruptionBudget', () => {
      const serving = web().filter(available).length;
      return serving < 2
        ? `only ${serving} web pods available (${web()
            .map((p) => `${p.metadata?.name}@${p.spec?.nodeName ?? '-'}`)
            .join(', ')})`
        : undefined;
    });

    f.startAgents();
    // With nowhere to place a replacement, the budget tells the drain to wait after its first
    // eviction (HTTP 429) for as long as it takes; only then do y and z take pods. (Replacements
    // that could start at once may be Ready before the next eviction is asked, and none would wait.)
    // Only this test's web pods: a pod another test left behind (a Deployment's replacement
    // scheduled onto x) is drained too, but is not what the budget is about.
    const evictions = (): string[] =>
      f
        .logs('x')
        .map((l) => String(l.msg))
        .filter((m) => m.startsWith(`evict ${f.id}/web-`));
    const evicted = (): string[] => evictions().filter((m) => m.endsWith(': evicted'));
    await f.until(
      'one eviction done and one told to wait by the PodDisruptionBudget',
      () => evicted().length > 0 && evictions().some((m) => m.endsWith(': blocked')),
      60_000,
    );
    expect(evicted(), evictions().join('\n')).toHaveLength(1);
    await untaint(kc, f.node('y'));
    await untaint(kc, f.node('z'));
    await f.until('x rebooted and done', () => f.rebootedAndDone('x'), 90_000);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    expect(f.host('x').boots).toBe(1);
    expect([f.host('y').boots, f.host('z').boots]).toEqual([0, 0]);
    // Every web pod was evicted once, through the eviction API, after the waits above.
    expect(evicted(), evictions().join('\n')).toHaveLength(3);
    // Every web pod now runs on y or z, all three serving.
    await f.until('3 web pods available on y and z', () => web().filter(available).length === 3);
    expect(
      new Set(
        web()
          .filter(available)
          .map((p) => p.spec?.nodeName),
      ),
    ).toEqual(new Set([f.node('y'), f.node('z')]));
  });

  it('follows drain.onFailure when the drain cannot finish before its timeout: uncordon, or stay cordoned', async () => {
    const stuck = { drain: { timeout: '4s', deleteEmptyDirData: true } };
    fleet = await E2eFleet.create(cluster, {
      policies: [
        { name: 'undo', pools: ['u'], maxUnavailable: 1, spec: { drain: { ...stuck.drain, onFailure: 'uncordon' } } },
        {
          name: 'keep',
          pools: ['k'],
          maxUnavailable: 1,
          spec: { drain: { ...stuck.drain, onFailure: 'stayCordoned' } },
        },
      ],
      nodes: { u1: { pool: 'u' }, k1: { pool: 'k' } },
    });
    const f = fleet;
    // One pod per node that its PodDisruptionBudget never lets go.
    for (const pool of ['u', 'k']) {
      await createDeployment(kc, f.id, `db-${pool}`, { replicas: 1, nodeSelector: { [POOL_LABEL]: f.pool(pool) } });
      await createPdb(kc, f.id, `db-${pool}`, { minAvailable: 1 });
    }
    await f.until('both db pods Ready', () =>
      ['u', 'k'].every((pool) => podsOf(f.watcher.pods(), `db-${pool}`).some(available)),
    );
    const uids = f.watcher.pods().map((p) => p.metadata?.uid);

    f.startAgents();
    await f.until(
      'both attempts failed and undone',
      () => ['u1', 'k1'].every((n) => f.watcher.state(f.node(n))?.phase === 'failed'),
      60_000,
    );

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(
      await f.watcher.endStateProblems({ withState: [f.node('u1'), f.node('k1')], cordoned: [f.node('k1')] }),
      f.report(),
    ).toEqual([]);
    for (const n of ['u1', 'k1']) {
      const state = f.watcher.state(f.node(n))!;
      expect(state.reason).toMatch(
        /^drain failed: timed out after 4s; still on the node: .*db-.* \(eviction refused by a PodDisruptionBudget\)/,
      );
      // No new attempt in this window: the always-open window ends never, so the loop back-off (6h) decides.
      expect(state.retryAfterMs! - Date.now()).toBeGreaterThan(5 * 3_600_000);
      expect(f.host(n).boots).toBe(0);
      expect(await f.host(n).commands()).toEqual([]);
      const reasons = (await f.events(n)).map((e) => e.reason);
      expect(reasons).toContain('DrainFailed');
      expect(reasons).not.toContain('Rebooting');
    }
    expect(f.watcher.node(f.node('u1'))?.unschedulable).toBe(false);
    expect(f.watcher.node(f.node('k1'))?.unschedulable).toBe(true);
    expect((await f.events('k1')).map((e) => e.reason)).toContain('LeftCordoned');
    // The pods the budget protected were never removed.
    expect(
      f.watcher
        .pods()
        .map((p) => p.metadata?.uid)
        .sort(),
    ).toEqual(uids.sort());
  });
});
