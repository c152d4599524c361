// Two `patchwindow reconcile` processes on one Lease: only the leader runs cycles (the other's
// counters stay at 0), a webhook sent to the follower reaches the leader, and when the leader is
// killed (SIGKILL: no chance to give the Lease up) the follower takes over once the Lease expires
// and applies on its own schedule.
import { CoordinationV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import {
  createPolicyRepo,
  fleetYaml,
  policyYaml,
  spawnCli,
  type CliProcess,
  type PolicyRepo,
} from './reconcile-fixtures.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const WAIT = { timeout: 30_000, interval: 200 };

/** A counter or gauge value from a /metrics text; every series here exists from the start, so a missing one fails. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series} in /metrics:\n${text}`);
  return Number(line.slice(series.length + 1));
}
const cycles = (text: string) =>
  ['applied', 'invalid', 'failed'].reduce((n, o) => n + sample(text, `patchwindow_reconcile_total{outcome="${o}"}`), 0);

describe('two reconciler replicas', () => {
  let root: string;
  let ns: string;
  let repo: PolicyRepo;
  const fleet = uniqueName('fleet');
  const spec = () => ({ name: fleet, namespace: ns, poolLabel: 'leader.patchwindow.dev/pool' });
  const running: CliProcess[] = [];

  const status = async () =>
    (await core.readNamespacedConfigMap({ namespace: ns, name: 'patchwindow-reconciler-status' })).data ?? {};
  const holder = async () =>
    (await leases.readNamespacedLease({ namespace: ns, name: 'patchwindow-reconciler' })).spec?.holderIdentity ?? '';

  async function replica(identity: string): Promise<{ proc: CliProcess; base: string }> {
    const proc = spawnCli(
      [
        'reconcile',
        '--webhook-unauthenticated',
        '--repo',
        repo.url,
        '--path',
        'policies',
        '--schedule',
        '*/2 * * * * *',
        '--namespace',
        ns,
        '--identity',
        identity,
        '--listen',
        '127.0.0.1:0',
        '--cache-dir',
        join(root, identity),
        '--lease-duration',
        '4s',
        '--renew-interval',
        '1s',
      ],
      { KUBECONFIG: cluster.info.kubeconfigPath },
    );
    running.push(proc);
    const port = await vi.waitFor(() => {
      const started = proc.logs().find((l) => l.msg === 'reconciler started');
      expect(started, proc.output()).toBeDefined();
      return started!.port as number;
    }, WAIT);
    return { proc, base: `http://127.0.0.1:${port}` };
  }
  const metrics = async (base: string) => (await fetch(`${base}/metrics`)).text();

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'patchwindow-leader-'));
    ns = await cluster.createNamespace('reconcile-leader');
    repo = await createPolicyRepo(root);
    await repo.commit(
      { 'policies/fleet.yaml': fleetYaml(spec()), 'policies/alpha.yaml': policyYaml('alpha', ['alpha']) },
      'first',
    );
  });

  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await core.deleteNamespace({ name: ns });
    await rbac.deleteClusterRole({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('only the leader applies; the follower forwards webhooks; killing the leader hands over', async () => {
    const a = await replica('replica-a');
    await vi.waitFor(async () => expect(await holder()).toBe('replica-a'), WAIT);
    const b = await replica('replica-b');
    await vi.waitFor(
      async () => expect(await status()).toMatchObject({ lastResult: 'applied', reconciler: 'replica-a' }),
      WAIT,
    );
    await vi.waitFor(async () => expect((await fetch(`${b.base}/readyz`)).status).toBe(200), WAIT);

    const second = await repo.commit({ 'policies/beta.yaml': policyYaml('beta', ['beta']) }, 'second');
    const forwarded = await fetch(`${b.base}/sync`, { method: 'POST' });
    expect(forwarded.status).toBe(202);
    expect(await forwarded.json()).toMatchObject({
      leader: 'replica-a',
      cycle: expect.stringMatching(/^(started|queued)$/) as unknown,
    });
    await vi.waitFor(
      async () =>
        expect(await status()).toMatchObject({ lastAppliedCommit: second, reconciler: 'replica-a', policies: '2' }),
      WAIT,
    );

    const [am, bm] = await Promise.all([metrics(a.base), metrics(b.base)]);
    expect(sample(am, 'patchwindow_reconciler_leader')).toBe(1);
    expect(cycles(am)).toBeGreaterThanOrEqual(2);
    expect(sample(bm, 'patchwindow_reconciler_leader')).toBe(0);
    expect(cycles(bm)).toBe(0);

    a.proc.child.kill('SIGKILL');
    expect(await a.proc.exited).toBe('SIGKILL');
    const third = await repo.commit(
      { 'policies/alpha.yaml': policyYaml('alpha', ['alpha'], { start: '02:00' }) },
      'third',
    );
    await vi.waitFor(async () => expect(await holder()).toBe('replica-b'), WAIT);
    await vi.waitFor(
      async () => expect(await status()).toMatchObject({ lastAppliedCommit: third, reconciler: 'replica-b' }),
      WAIT,
    );
    const after = await metrics(b.base);
    expect(sample(after, 'patchwindow_reconciler_leader')).toBe(1);
    expect(cycles(after)).toBeGreaterThanOrEqual(1);
    const lease = await leases.readNamespacedLease({ namespace: ns, name: 'patchwindow-reconciler' });
    expect(lease.spec?.leaseTransitions).toBe(1);
    expect(lease.metadata?.annotations?.['patchwindow.io/sync-url']).toBe(`${b.base}/sync`);

    b.proc.child.kill('SIGTERM');
    expect(await b.proc.exited).toBe(0);
    expect(await holder()).toBe('');
  });
});
