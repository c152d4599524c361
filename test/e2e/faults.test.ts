// Faults on the real control plane with real agent and coordinator processes (issue 14): the
// grant holder stopped, cut off from the API or killed past the grant TTL at each step of its
// reboot, with an operator freeing the stalled grant meanwhile; an admin cordon placed while the
// agent is about to cordon; the coordinator killed, a leader replica killed; kube-apiserver
// crashed mid-drain; the holder's Node deleted mid-drain and registered again. The watcher checks
// budgets and cordons on every change, the reboot guard checks at the instant of every reboot
// command that the node holds a live grant (test/helpers/grant-check.ts), and every scenario ends
// with no eviction round begun on a grant that had ended (test/helpers/stale-evictions.ts).
import { CoordinationV1Api } from '@kubernetes/client-node';
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stableName } from '../../policy/names.ts';
import { crashAgent, freezeAgent, proxyAgents, recreateNode } from '../helpers/agent-faults.ts';
import type { ApiProxy } from '../helpers/api-proxy.ts';
import { E2eFleet, type E2eFleetOptions } from '../helpers/e2e-fleet.ts';
import { liveGrantCheck } from '../helpers/grant-check.ts';
import { freezeTree, thawTree } from '../helpers/process-tree.ts';
import { startRebootGuard, type RebootGuard } from '../helpers/reboot-guard.ts';
import { fleetEvictions, fleetStaleEvictions } from '../helpers/stale-evictions.ts';
import { createDeployment, createPdb, patchPdb } from '../helpers/workloads.ts';
import { useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
/** The grant TTL of every scenario (rendered config; the compiled default is 15 minutes). */
const TTL_MS = 3_000;
const REBOOT = '/bin/systemctl reboot';
/** Waits are generous: on a loaded 2-core machine an agent takes up to a minute to ask. */
const WAIT = 240_000;

let guard: RebootGuard;
/** The fleet of the running scenario (the guard's check reads its namespace). */
let fleet: E2eFleet | undefined;
beforeAll(async () => {
  guard = await startRebootGuard((node, command) =>
    fleet === undefined ? Promise.resolve('no scenario runs') : liveGrantCheck(kc, fleet.id, REBOOT)(node, command),
  );
});
afterAll(() => guard.close());
afterEach(async (ctx) => {
  if (process.env.FAULTS_REPORT !== undefined && fleet !== undefined)
    appendFileSync(process.env.FAULTS_REPORT, `\n=== ${ctx.task.name}\n${fleet.report()}\n`);
  await fleet?.close();
  fleet = undefined;
});

type Point = 'granted' | 'cordoned' | 'draining' | 'rebooting';
type Fault = 'stop' | 'cut' | 'kill';

/** Two nodes that need a reboot, budget 1; each holds a pod its PodDisruptionBudget keeps until released. */
async function pair(extra: Partial<E2eFleetOptions> = {}): Promise<E2eFleet> {
  const f = await E2eFleet.create(cluster, {
    policies: [
      {
        name: 'p',
        pools: ['a'],
        maxUnavailable: 1,
        spec: { drain: { timeout: '60s', deleteEmptyDirData: true }, reboot: { expectedDuration: '30s', delay: '3s' } },
      },
    ],
    nodes: { n1: { pool: 'a' }, n2: { pool: 'a' } },
    slotTtlMs: TTL_MS,
    commandGuardUrl: guard.url,
    ...extra,
  });
  fleet = f;
  for (const n of f.nodes) {
    await createDeployment(kc, f.id, `hold-${n}`, {
      replicas: 1,
      nodeSelector: { 'kubernetes.io/hostname': f.node(n) },
    });
    await createPdb(kc, f.id, `hold-${n}`, { minAvailable: 1 });
  }
  return f;
}

/** Lets every drain finish from now on. */
async function releasePods(f: E2eFleet): Promise<void> {
  for (const n of f.nodes) await patchPdb(kc, f.id, `hold-${n}`, { minAvailable: 0 });
}

function holderOf(f: E2eFleet): string | undefined {
  const g = f.watcher.grants()[0];
  return g === undefined ? undefined : f.nodes.find((n) => f.node(n) === g.node);
}

function phase(f: E2eFleet, short: string): string | undefined {
  return f.watcher.state(f.node(short))?.phase;
}

/** Frees `short`'s grant as an operator would (`patchwindow status` prints this command). */
async function operatorFrees(f: E2eFleet, short: string): Promise<void> {
  f.watcher.note(f.node(short), 'operator: kubectl delete lease (frees the stalled grant)');
  await kc
    .makeApiClient(CoordinationV1Api)
    .deleteNamespacedLease({ namespace: f.id, name: stableName(['patchwindow', 'grant', f.node(short)]) });
}

/** Everything rebooted once, nothing violated, nothing left behind. */
async function expectClean(f: E2eFleet, shorts: readonly string[] = f.nodes): Promise<void> {
  await f.until('every node rebooted and done', () => shorts.every((n) => f.rebootedAndDone(n)), WAIT);
  expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
  expect(guard.problems(), f.report()).toEqual([]);
  expect(fleetStaleEvictions(f), f.report()).toEqual([]);
  expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
  for (const n of shorts) expect(f.host(n).boots, `${n}\n${f.report()}`).toBe(1);
  expect(f.watcher.maxGrantsHeld('p'), f.report()).toBe(1);
}

/**
 * Brings the rollout to `point` with the holder under `fault`; returns the holder and a resume().
 * 'granted' is reached deterministically: the coordinator is held (SIGSTOP) until both agents
 * asked, then both agents are held and the coordinator let go, so the grant arrives at a held agent.
 */
async function reach(
  f: E2eFleet,
  point: Point,
  fault: Fault,
  proxies: Map<string, ApiProxy>,
): Promise<{ holder: string; resume: () => void | Promise<void> }> {
  const hold = async (short: string): Promise<() => void | Promise<void>> => {
    if (fault === 'stop') return (await freezeAgent(f, short)).resume;
    if (fault === 'cut') {
      proxies.get(short)!.cut('reset');
      f.watcher.note(f.node(short), 'API access cut');
      return () => {
        f.watcher.note(f.node(short), 'API access restored');
        proxies.get(short)!.restore();
      };
    }
    await crashAgent(f, short);
    return () => void f.startAgent(short);
  };
  if (point === 'granted') {
    const coordinator = f.startCoordinator();
    // Held once it leads, not while it loads: the agents' requests are silent after TTL_MS, so
    // the decision after the thaw must not wait for a start that on a loaded machine takes longer.
    await f.until('the coordinator leading', () => coordinator.leading(), WAIT);
    const coordinatorPids = await freezeTree(coordinator.child.pid!);
    f.startAgents();
    await f.until('both nodes asking', () => f.nodes.every((n) => phase(f, n) === 'acquiring'), WAIT);
    const resumes = new Map<string, () => void | Promise<void>>();
    for (const n of f.nodes) resumes.set(n, await hold(n));
    thawTree(coordinatorPids);
    await f.until('a grant', () => holderOf(f) !== undefined, WAIT);
    const holder = holderOf(f)!;
    for (const [n, resume] of resumes) if (n !== holder) await resume();
    return { holder, resume: resumes.get(holder)! };
  }
  if (point === 'draining') {
    f.startAgents();
  } else {
    await releasePods(f);
    f.startAgents();
  }
  const reached = (n: string): boolean =>
    point === 'cordoned'
      ? f.watcher.node(f.node(n))?.unschedulable === true && phase(f, n) !== 'acquiring'
      : phase(f, n) === point;
  await f.until(`the holder ${point}`, () => f.nodes.some(reached), WAIT);
  const holder = f.nodes.find(reached)!;
  return { holder, resume: await hold(holder) };
}

describe('faults on a real control plane', { timeout: 600_000 }, () => {
  const cases: [Point, Fault][] = [];
  for (const fault of ['stop', 'cut', 'kill'] as const)
    for (const point of ['granted', 'cordoned', 'draining', 'rebooting'] as const) cases.push([point, fault]);

  it.each(cases)(
    'holder %s, then %s past the grant TTL, grant freed by the operator: one reboot at a time, none without a live grant',
    async (point, fault) => {
      const f = await pair();
      const proxies = fault === 'cut' ? await proxyAgents(f) : new Map<string, ApiProxy>();
      const { holder, resume } = await reach(f, point, fault, proxies);
      const other = f.nodes.find((n) => n !== holder)!;
      await sleep(TTL_MS + 1_000);
      // A grant not renewed is stale, never freed by the coordinator: the other node still waits.
      expect(
        f.watcher.grants().map((g) => g.node),
        f.report(),
      ).toEqual([f.node(holder)]);
      await operatorFrees(f, holder);
      if (point === 'granted') {
        // Nothing of the holder's is down: a new grant follows at once, and to the other node. The
        // holder's record still shows its request, the oldest, but its agent has not refreshed it
        // since before the grant: it gets nothing until it is back.
        await releasePods(f);
        await f.until('a new grant', () => f.watcher.grants().length > 0, WAIT);
        expect(holderOf(f), f.report()).toBe(other);
        await f.until('the other node rebooted', () => f.rebootedAndDone(other), WAIT);
        // The budget is free again, and the holder still stalled: it is still not granted.
        await sleep(2 * TTL_MS);
        const given = f.watcher.grantEvents.filter((e) => e.kind === 'given' && e.node === f.node(holder));
        expect(given.length, f.report()).toBe(1);
      } else {
        await sleep(2_000); // the holder is still unavailable (cordoned): nobody else may start
        expect(f.host(other).boots, f.report()).toBe(0);
        await releasePods(f);
      }
      await resume();
      await expectClean(f);
    },
  );

  it('never undoes an admin cordon placed while the agent is about to cordon', async () => {
    const f = await pair();
    await releasePods(f);
    const { holder, resume } = await reach(f, 'granted', 'stop', new Map());
    await f.adminCordon(holder, true);
    await resume();
    await f.until('the holder rebooted and done', () => f.rebootedAndDone(holder), WAIT);
    expect(f.watcher.node(f.node(holder))?.unschedulable, f.report()).toBe(true);
    // The admin's cordon keeps the holder unavailable: budget 1 is full, the other node waits.
    const other = f.nodes.find((n) => n !== holder)!;
    await sleep(2_000);
    expect(f.watcher.grants(), f.report()).toEqual([]);
    await f.adminCordon(holder, false);
    await f.until('the other node rebooted and done', () => f.rebootedAndDone(other), WAIT);
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(guard.problems(), f.report()).toEqual([]);
    expect(fleetStaleEvictions(f), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
  });

  it('counts a NotReady node against the budget: two NotReady wait, one granted NotReady and Ready again finishes within it', async () => {
    const f = await pair({ nodes: { n1: { pool: 'a' }, n2: { pool: 'a' }, n3: { pool: 'a' } } });
    await f.setReady('n1', false);
    await f.setReady('n2', false);
    f.startAgents();
    await f.until('every node asking', () => f.nodes.every((n) => phase(f, n) === 'acquiring'), WAIT);
    // Either NotReady node granted would leave the other one more than budget 1 once it is Ready again.
    await sleep(3_000);
    expect(f.watcher.grants(), f.report()).toEqual([]);
    await f.setReady('n1', true);
    // n2 alone fills the budget: it (not n1 or n3) is granted, and counted once.
    await f.until('a grant', () => holderOf(f) !== undefined, WAIT);
    expect(holderOf(f), f.report()).toBe('n2');
    // Its PodDisruptionBudget holds the drain; meanwhile its kubelet is Ready again: n2 still holds
    // the budget's one place, the others wait.
    await f.setReady('n2', true);
    await sleep(2_000);
    expect(
      f.watcher.grants().map((g) => g.node),
      f.report(),
    ).toEqual([f.node('n2')]);
    await releasePods(f);
    await expectClean(f);
  });

  it('keeps granted reboots going without a coordinator, grants nothing new, and goes on when it is back', async () => {
    const f = await pair({ nodes: { n1: { pool: 'a' }, n2: { pool: 'a' }, n3: { pool: 'a' } } });
    f.startAgents();
    await f.until('a holder draining', () => f.nodes.some((n) => phase(f, n) === 'draining'), WAIT);
    const holder = f.nodes.find((n) => phase(f, n) === 'draining')!;
    await f.killCoordinator(f.coordinators[0]!);
    await releasePods(f);
    await f.until('the holder rebooted', () => f.rebootedAndDone(holder), WAIT);
    await sleep(2_000);
    expect(f.watcher.grants(), f.report()).toEqual([]);
    f.startCoordinator();
    await expectClean(f);
  });

  it('goes on with the other replica when the leading coordinator is killed', async () => {
    const f = await pair({ nodes: { n1: { pool: 'a' }, n2: { pool: 'a' }, n3: { pool: 'a' } } });
    const election = ['--lease-duration', '3s', '--renew-interval', '1s'];
    const [a, b] = [f.startCoordinator(election), f.startCoordinator(election)];
    await f.until('a leader', () => a.leading() || b.leading(), WAIT);
    f.startAgents();
    await f.until('a holder draining', () => f.nodes.some((n) => phase(f, n) === 'draining'), WAIT);
    const [leader, survivor] = a.leading() ? [a, b] : [b, a];
    await f.killCoordinator(leader);
    await releasePods(f);
    await expectClean(f);
    expect(survivor.leading(), f.report()).toBe(true);
  });

  it('survives kube-apiserver crashing mid-drain', async () => {
    const f = await pair();
    f.startAgents();
    await f.until('a holder draining', () => f.nodes.some((n) => phase(f, n) === 'draining'), WAIT);
    f.watcher.note('', 'test: kube-apiserver killed');
    await cluster.restartApiserver({ downMs: 3_000 });
    f.watcher.note('', 'test: kube-apiserver back');
    await releasePods(f);
    await expectClean(f);
  });

  it.each(['another node waits', 'no other node waits'] as const)(
    'stops the drain of a holder whose Node is deleted and registered again (%s): no eviction round on the freed grant',
    async (others) => {
      // With nobody else waiting the old agent, still running and authorized, asks again at once
      // and is granted anew: its drain under the new grant is judged against the new grant.
      const f = await pair(
        others === 'another node waits' ? {} : { nodes: { n1: { pool: 'a' }, n2: { pool: 'a', sentinel: false } } },
      );
      const asking = others === 'another node waits' ? f.nodes : ['n1'];
      f.startAgents();
      // The holder's pod is kept by its PodDisruptionBudget: its drain goes round after round.
      const evicting = (n: string): boolean => phase(f, n) === 'draining' && fleetEvictions(f, n).length > 0;
      await f.until('a holder refused an eviction', () => asking.some(evicting), WAIT);
      const holder = asking.find(evicting)!;
      const epoch = f.watcher.grants().find((g) => g.node === f.node(holder))?.epoch;
      expect(epoch, f.report()).toBeDefined();
      await recreateNode(f, holder);
      // The coordinator frees the grant of the deleted Node at once (node-replaced).
      await f.until(
        'the old grant freed',
        () => f.watcher.grantEvents.some((e) => e.kind === 'released' && e.epoch === epoch),
        WAIT,
      );
      if (others === 'no other node waits')
        await f.until(
          'the old agent evicting under its new grant',
          () => fleetEvictions(f, holder).some((e) => e.epoch !== epoch),
          WAIT,
        );
      // Long enough for a drain that went on under the old grant to make rounds (back-off 1, 2, 4 s).
      await sleep(8_000);
      expect(fleetStaleEvictions(f), f.report()).toEqual([]);
      // The pod garbage collector removes the old pod, the DaemonSet starts a new one on the new
      // Node, with a token bound to it.
      await crashAgent(f, holder);
      f.startAgent(holder);
      await releasePods(f);
      await expectClean(f, asking);
      expect(
        fleetEvictions(f, holder).filter((e) => e.epoch === epoch).length,
        'evictions under the freed grant, before it ended',
      ).toBeGreaterThan(0);
    },
  );
});
