// `node bin/patchwindow.js reconcile` as a real process against the real control plane and a git
// smart-HTTP server with basic auth: credentials given in the URL or in a token file never show in
// logs, status, Events or errors; SIGTERM lets a running cycle finish, or aborts it after the grace
// period, and gives the Lease up either way.
import { CoordinationV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import {
  createPolicyRepo,
  fleetYaml,
  policyYaml,
  spawnCli,
  startGitHttp,
  type CliProcess,
  type GitHttpServer,
} from './reconcile-fixtures.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const WAIT = { timeout: 30_000, interval: 200 };
const PASSWORD = 's3cr3t-Passw0rd';
const TOKEN = 'ghp_T0kenFromASecretFile';
const STATUS = 'patchwindow-reconciler-status';

describe('patchwindow reconcile (process)', () => {
  let root: string;
  let ns: string;
  let git: GitHttpServer;
  let commit: string;
  const fleet = uniqueName('fleet');
  const running: CliProcess[] = [];

  const status = async () => (await core.readNamespacedConfigMap({ namespace: ns, name: STATUS })).data ?? {};
  const holder = async () =>
    (await leases.readNamespacedLease({ namespace: ns, name: 'patchwindow-reconciler' })).spec?.holderIdentity ?? '';
  const portOf = (p: CliProcess) =>
    vi.waitFor(() => {
      const started = p.logs().find((l) => l.msg === 'reconciler started');
      expect(started, p.output()).toBeDefined();
      return started!.port as number;
    }, WAIT);

  function reconcile(repo: string, identity: string, extra: string[] = []): CliProcess {
    const p = spawnCli(
      [
        'reconcile',
        '--webhook-unauthenticated',
        '--repo',
        repo,
        '--ref',
        'main',
        '--path',
        'policies',
        '--schedule',
        '0 0 1 1 *',
        '--namespace',
        ns,
        '--identity',
        identity,
        '--listen',
        '127.0.0.1:0',
        '--cache-dir',
        join(root, `cache-${identity}`),
        '--git-timeout',
        '20s',
        ...extra,
      ],
      { KUBECONFIG: cluster.info.kubeconfigPath },
    );
    running.push(p);
    return p;
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'patchwindow-reconcile-process-'));
    ns = await cluster.createNamespace('reconcile-process');
    const repo = await createPolicyRepo(root);
    commit = await repo.commit(
      {
        'policies/fleet.yaml': fleetYaml({ name: fleet, namespace: ns, poolLabel: 'process.patchwindow.dev/pool' }),
        'policies/alpha.yaml': policyYaml('alpha', ['alpha']),
      },
      'one policy',
    );
    git = await startGitHttp(root, [
      { user: 'alice', password: PASSWORD },
      { user: 'git', password: TOKEN },
    ]);
  });

  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await git?.close();
    await core.deleteNamespace({ name: ns });
    await rbac.deleteClusterRole({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('never shows a password given in the repository URL, in logs, status, Events or errors', async () => {
    const url = git.url('policies.git').replace('http://', `http://alice:${PASSWORD}@`);
    const p = reconcile(url, 'with-url');
    const applied = await vi.waitFor(async () => {
      const d = await status();
      expect(d.lastResult).toBe('applied');
      return d;
    }, WAIT);
    expect(applied).toMatchObject({
      lastAppliedCommit: commit,
      source: `${git.url('policies.git').replace('http://', 'http://***@')}@main`,
    });

    // The password is rotated on the server: the next cycle fails to fetch, and says so.
    git.setCredentials([{ user: 'alice', password: 'rotated' }]);
    const res = await fetch(`http://127.0.0.1:${await portOf(p)}/sync`, { method: 'POST' });
    expect(res.status).toBe(202);
    const failed = await vi.waitFor(async () => {
      const d = await status();
      expect(d.lastResult).toBe('failed');
      return d;
    }, WAIT);
    expect(failed.errors).toMatch(/cannot fetch http:\/\/\*\*\*@127\.0\.0\.1:\d+\/policies\.git@main: /);
    expect(failed.lastAppliedCommit).toBe(commit);
    git.setCredentials([
      { user: 'alice', password: PASSWORD },
      { user: 'git', password: TOKEN },
    ]);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const events = (await core.listNamespacedEvent({ namespace: ns })).items.map((e) => e.message ?? '');
    expect(events.some((m) => m.includes('cannot fetch'))).toBe(true);
    const lease = await leases.readNamespacedLease({ namespace: ns, name: 'patchwindow-reconciler' });
    const everything = [p.output(), JSON.stringify(await status()), events.join('\n'), JSON.stringify(lease)].join(
      '\n',
    );
    expect(p.logs().some((l) => l.outcome === 'failed')).toBe(true);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain('alice');
  });

  it('fetches with a token file and never shows the token', async () => {
    const tokenFile = join(root, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const fixed = await createPolicyRepo(root, 'token.git');
    const tokenCommit = await fixed.commit(
      {
        'policies/fleet.yaml': fleetYaml({ name: fleet, namespace: ns, poolLabel: 'process.patchwindow.dev/pool' }),
        'policies/alpha.yaml': policyYaml('alpha', ['alpha'], { start: '02:00' }),
      },
      'via token',
    );
    const p = reconcile(git.url('token.git'), 'with-token', ['--git-token-file', tokenFile, '--log-level', 'debug']);
    await vi.waitFor(
      async () => expect(await status()).toMatchObject({ lastResult: 'applied', lastAppliedCommit: tokenCommit }),
      WAIT,
    );
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const everything = [p.output(), JSON.stringify(await status())].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(Buffer.from(`git:${TOKEN}`).toString('base64'));
  });

  it('on SIGTERM lets the running cycle finish, then gives the Lease up', async () => {
    const url = git.url('policies.git').replace('http://', `http://alice:${PASSWORD}@`);
    const p = reconcile(url, 'graceful', ['--shutdown-grace', '60s']);
    await vi.waitFor(async () => expect(await holder()).toBe('graceful'), WAIT);
    await vi.waitFor(() => expect(p.logs().some((l) => l.outcome === 'applied')).toBe(true), WAIT);

    const gate = git.hold();
    const before = git.requests();
    await fetch(`http://127.0.0.1:${await portOf(p)}/sync`, { method: 'POST' });
    await vi.waitFor(() => expect(git.requests()).toBeGreaterThan(before), WAIT);
    p.child.kill('SIGTERM');
    await vi.waitFor(() => expect(p.logs().some((l) => String(l.msg).startsWith('stop requested'))).toBe(true), WAIT);
    expect(p.child.exitCode).toBeNull();
    gate.release();
    expect(await p.exited).toBe(0);
    const logs = p.logs();
    expect(logs.filter((l) => l.outcome === 'applied')).toHaveLength(2);
    expect(logs.at(-1)).toMatchObject({ msg: 'stopped', cycle: 'finished' });
    expect(await holder()).toBe('');
  });

  it('on SIGTERM aborts a cycle that outlasts the grace period, and still exits cleanly', async () => {
    const url = git.url('policies.git').replace('http://', `http://alice:${PASSWORD}@`);
    const p = reconcile(url, 'impatient', ['--shutdown-grace', '1s']);
    await vi.waitFor(() => expect(p.logs().some((l) => l.outcome === 'applied')).toBe(true), WAIT);
    const gate = git.hold();
    try {
      const before = git.requests();
      await fetch(`http://127.0.0.1:${await portOf(p)}/sync`, { method: 'POST' });
      await vi.waitFor(() => expect(git.requests()).toBeGreaterThan(before), WAIT);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      gate.release();
    }
    const logs = p.logs();
    expect(logs.some((l) => String(l.msg).startsWith('cycle aborted'))).toBe(true);
    expect(logs.at(-1)).toMatchObject({ msg: 'stopped', cycle: 'aborted' });
    expect(await holder()).toBe('');
  });
});
