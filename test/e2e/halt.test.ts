// End to end, spec.halt: drains that cannot finish fail on two nodes, the coordinator halts the pool
// (the third node waits, never granted), `status`, an Event and a metric say why, the halt survives
// a coordinator restart, and `patchwindow resume` lifts it. Real agent and coordinator processes on
// kwok nodes, the invariants watched the whole time (test/helpers/e2e-fleet.ts).
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { E2eFleet } from '../helpers/e2e-fleet.ts';
import { runCli } from '../helpers/cli.ts';
import { createBarePod } from '../helpers/workloads.ts';
import { useCluster } from '../testenv/use-cluster.ts';
import { HALTED } from '../fakes/halts.ts';
import { waitFor } from '../testenv/wait.ts';
import { haltLeaseName, KubeHalts } from '../../kube/halts.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { createPolicyRepo, spawnCli } from '../integration/reconcile-fixtures.ts';
import { uniqueName } from '../testenv/names.ts';
import { decodeFailures } from '../../policy/failures.ts';
import { FAILURES_ANNOTATION } from '../../policy/keys.ts';
import { CONFIG_FILE } from '../../reconciler/render/daemonset.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, POLICY_LABEL } from '../../reconciler/render/objects.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);

describe('a pool that halts itself after repeated failures', () => {
  let fleet: E2eFleet | undefined;

  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('stops granting after afterFailures failed drains, says why, survives a restart, and resumes on command', async () => {
    fleet = await E2eFleet.create(cluster, {
      policies: [
        {
          name: 'web',
          pools: ['p'],
          maxUnavailable: 1,
          // A bare pod (no controller, force false) fails every drain at once.
          spec: { halt: { afterFailures: 2, within: '1h' }, drain: { timeout: '5s', onFailure: 'uncordon' } },
        },
      ],
      nodes: { w1: { pool: 'p' }, w2: { pool: 'p' }, w3: { pool: 'p' } },
    });
    const f = fleet;
    const env = { KUBECONFIG: cluster.info.kubeconfigPath };
    // The rendered config as the cluster holds it, so status and resume find the policy's Fleet.
    await core.createNamespacedConfigMap({
      namespace: f.id,
      body: {
        metadata: { name: 'patchwindow-web', labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [POLICY_LABEL]: 'web' } },
        data: { [CONFIG_FILE]: JSON.stringify(f.config('w1')) },
      },
    });
    for (const n of f.nodes) await createBarePod(kc, f.id, `pet-${n}`, { nodeName: f.node(n), labels: { app: 'pet' } });

    f.startAgents();
    const failed = () => f.nodes.filter((n) => f.watcher.state(f.node(n))?.phase === 'failed');
    const waiting = () => f.nodes.filter((n) => f.watcher.state(f.node(n))?.phase === 'acquiring');
    await f.until(
      'two attempts failed and the third node waiting',
      () => failed().length === 2 && waiting().length === 1,
      90_000,
    );
    const [third] = waiting();
    const halt = async () =>
      (await leases.readNamespacedLease({ namespace: f.id, name: haltLeaseName(f.id) }).catch(() => undefined))
        ?.metadata?.annotations?.['halt.patchwindow.io/web'];
    await waitUntil(async () => (await halt())?.includes('"halted"') === true, 'the halt on its Lease');

    // Each failure was noted on its Node in the write that ended the attempt.
    for (const n of failed()) {
      const notes = decodeFailures(f.watcher.node(f.node(n))?.annotations[FAILURES_ANNOTATION]);
      expect(notes, f.report()).toMatchObject([{ policy: 'web', kind: 'drain' }]);
    }
    // The third node keeps waiting: no grant while halted, across a coordinator restart.
    const leader = f.coordinators[0]!;
    await f.killCoordinator(leader, 'SIGTERM');
    const second = f.startCoordinator();
    await sleep(8_000);
    expect(f.watcher.state(f.node(third!))?.phase, f.report()).toBe('acquiring');
    expect(f.watcher.maxGrantsHeld('web')).toBe(1);
    expect(f.host(third!).boots).toBe(0);

    // status says why and how to resume.
    const status = await runCli(['status', '--namespace', f.id], { env, nowMs: Date.now() });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/policy web \(fleet .*\) HALTED since .* after 2 failures within 1h/);
    expect(status.stdout).toContain(`patchwindow resume web --namespace ${f.id}`);
    for (const n of failed()) expect(status.stdout).toMatch(new RegExp(`${f.node(n)}: drain: drain failed`));
    // An Event on each failed node, the metric on the coordinator.
    for (const n of failed()) expect((await f.events(n)).map((e) => e.reason)).toContain('PoolHalted');
    const port = second.logs().find((l) => typeof l.port === 'number')?.port as number;
    await waitUntil(
      async () =>
        (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).includes(
          'patchwindow_pool_halted{policy="web"} 1',
        ),
      'the halted metric',
    );

    // Resume: the third node is granted at last (its drain fails too: one failure since the resume, no halt).
    const resumed = await runCli(['resume', 'web', '--kubeconfig', cluster.info.kubeconfigPath], { nowMs: Date.now() });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/policy web was halted since .* after 2 failures:\n {2}.*drain failed/);
    expect(resumed.stdout).toMatch(/resumed at .*: the coordinator grants again within seconds/);
    await f.until(
      'the third node granted and failed',
      () => f.watcher.state(f.node(third!))?.phase === 'failed',
      60_000,
    );
    expect((await halt())?.includes('"resumed"')).toBe(true);
    const again = await runCli(['resume', 'web', '--kubeconfig', cluster.info.kubeconfigPath], { nowMs: Date.now() });
    expect(again.stdout).toMatch(/policy web is not halted .*; nothing to do/);

    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems({ withState: f.nodes.map((n) => f.node(n)) }), f.report()).toEqual([]);
    expect(f.problems).toEqual([]);
  }, 300_000);
});

describe('a halt recorded in git by the reconciler (--halt-to-git branch)', () => {
  it('pushes a branch that pauses the policy with the evidence, and lifts the cluster halt once the merge is applied', async () => {
    const root = await mkdtemp(join(tmpdir(), 'patchwindow-halt-git-'));
    const ns = uniqueName('halt-git');
    const repo = await createPolicyRepo(root);
    const web = `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata:
  name: web
spec:
  nodePools: [web] # the web tier
  windows:
    - days: [sat]   # weekends only
      start: "01:00"
      end: "05:00"
  halt: { afterFailures: 2, within: 1h }
`;
    const fleetFile = `apiVersion: patchwindow.io/v1alpha1
kind: Fleet
metadata:
  name: ${ns}
spec:
  namespace: ${ns}
  poolLabel: halt-git.example/pool
---
# the database tier, in the same file
apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata: { name: db }
spec: { nodePools: [db], windows: [{ days: [sun], start: "01:00", end: "05:00" }] }
`;
    await repo.commit({ 'policies/fleet.yaml': fleetFile, 'policies/web.yaml': web }, 'policies');
    const env = { KUBECONFIG: cluster.info.kubeconfigPath };
    const proc = spawnCli(
      [
        'reconcile',
        '--repo',
        repo.url,
        '--path',
        'policies',
        '--schedule',
        '*/2 * * * * *',
        '--namespace',
        ns,
        '--listen',
        '127.0.0.1:0',
        '--cache-dir',
        join(root, 'cache'),
        '--halt-to-git',
        'branch',
      ],
      env,
    );
    try {
      await waitUntil(
        () => Promise.resolve(proc.logs().some((l) => l.outcome === 'applied')),
        'the first applied cycle',
      );
      const halts = new KubeHalts(kc, { namespace: ns, fleet: ns });
      await halts.write('web', HALTED);
      const bare = simpleGit(repo.bare);
      await waitUntil(
        async () => (await bare.raw(['branch', '--list', 'patchwindow/halt-web'])).trim() !== '',
        'the branch patchwindow/halt-web',
      );
      const message = await bare.raw(['log', '-1', '--format=%B', 'patchwindow/halt-web']);
      expect(message).toMatch(/^patchwindow: pause policy web: halted after 2 failures within 1h\n/);
      expect(message).toContain('- 2026-12-05T05:59:00.123Z w1: drain: drain failed: timed out after 5s');
      expect(message).toContain('- 2026-12-05T06:00:00.123Z w2: reboot: the node did not reboot: same boot id');
      const paused = await bare.raw(['show', 'patchwindow/halt-web:policies/web.yaml']);
      expect(paused).toContain('nodePools: [ web ] # the web tier');
      expect(paused).toContain('- days: [ sat ] # weekends only');
      expect(paused).toMatch(/\n {2}paused: true\n/);
      expect(await bare.raw(['show', 'patchwindow/halt-web:policies/fleet.yaml'])).toBe(fleetFile);
      // Not merged yet: main is as it was, and the cluster halt holds the pool meanwhile.
      expect(await bare.raw(['show', 'main:policies/web.yaml'])).toBe(web);
      await sleep(4_000);
      expect((await halts.read()).get('web')?.state).toBe('halted');
      expect((await bare.raw(['branch', '--list', 'patchwindow/*'])).trim().split('\n')).toHaveLength(1);

      // The reviewed merge: once applied, the pause in git holds the pool and the cluster halt is lifted.
      const work = simpleGit(`${repo.bare}-work`);
      await work.fetch('origin', 'patchwindow/halt-web');
      await work.merge(['--ff-only', 'FETCH_HEAD']);
      await work.push('origin', 'main');
      await waitUntil(async () => (await halts.read()).get('web')?.state === 'resumed', 'the cluster halt lifted');
      const lifted = (await halts.read()).get('web');
      expect(lifted?.state === 'resumed' ? lifted.by : '').toMatch(/^reconciler: paused in git at [0-9a-f]{40}$/);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds (polling the API). */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  await waitFor(what, async () => ((await check()) ? true : undefined), { timeoutMs: 30_000 });
}
