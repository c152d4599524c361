// End to end, `reconcile --halt-to-git pull-request`: the real reconciler process on the real
// control plane, a halt on the Fleet's halt Lease, a loopback git repository, and a loopback server
// speaking GitHub's pull-request endpoints. The reconciler pushes patchwindow/halt-<policy> and opens
// one pull request with the evidence; once the token is refused, the log says why in one line and
// the cluster halt stays; the reviewed merge lifts it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { KubeHalts } from '../../kube/halts.ts';
import { HALTED } from '../fakes/halts.ts';
import { startFakeGitHub } from '../helpers/github-api.ts';
import { createPolicyRepo, spawnCli } from '../integration/reconcile-fixtures.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { waitFor } from '../testenv/wait.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const TOKEN = 'ghp_e2eS3cr3t';

describe('a halt recorded as a pull request by the reconciler (--halt-to-git pull-request)', () => {
  it('pushes the branch, opens one pull request with the evidence, keeps the halt when refused, and lifts it once merged', async () => {
    const root = await mkdtemp(join(tmpdir(), 'patchwindow-halt-pr-'));
    const ns = uniqueName('halt-pr');
    const repo = await createPolicyRepo(root);
    const bare = simpleGit(repo.bare);
    const github = await startFakeGitHub({
      owner: 'acme',
      repo: 'policies',
      token: TOKEN,
      branchHead: async (b) =>
        (await bare.raw(['branch', '--list', b])).trim() !== '' ? (await bare.revparse([b])).trim() : undefined,
    });
    const web = `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata:
  name: web
spec:
  nodePools: [web]
  windows: [{ days: [sat], start: "01:00", end: "05:00" }]
  halt: { afterFailures: 2, within: 1h }
`;
    const fleet = `apiVersion: patchwindow.io/v1alpha1
kind: Fleet
metadata:
  name: ${ns}
spec:
  namespace: ${ns}
  poolLabel: halt-pr.example/pool
`;
    await repo.commit({ 'policies/fleet.yaml': fleet, 'policies/web.yaml': web }, 'policies');
    await writeFile(join(root, 'token'), `${TOKEN}\n`);
    const halts = new KubeHalts(kc, { namespace: ns, fleet: ns });
    const proc = spawnCli(
      [
        'reconcile',
        ...['--repo', repo.url, '--path', 'policies', '--schedule', '*/2 * * * * *', '--namespace', ns],
        ...['--listen', '127.0.0.1:0', '--cache-dir', join(root, 'cache')],
        ...['--halt-to-git', 'pull-request', '--forge-api-url', github.url],
        ...['--forge-token-file', join(root, 'token'), '--forge-repo', 'acme/policies'],
      ],
      { KUBECONFIG: cluster.info.kubeconfigPath },
    );
    const wait = (what: string, check: () => Promise<boolean> | boolean) =>
      waitFor(what, async () => ((await check()) ? true : undefined), { timeoutMs: 30_000, intervalMs: 250 });
    try {
      await wait('the first applied cycle', () => proc.logs().some((l) => l.outcome === 'applied'));
      await halts.write('web', HALTED);
      await wait('a pull request', () => github.pulls.length === 1);
      const pr = github.pulls[0]!;
      expect(pr).toMatchObject({
        title: 'patchwindow: pause policy web: halted after 2 failures within 1h',
        head: { ref: 'patchwindow/halt-web', sha: (await bare.revparse(['patchwindow/halt-web'])).trim() },
        base: { ref: 'main' },
      });
      expect(pr.body).toContain('- 2026-12-05T05:59:00.123Z w1: drain: drain failed: timed out after 5s');
      expect(github.requests.every((r) => r.headers.authorization === `token ${TOKEN}`)).toBe(true);
      // Later cycles list it by head and open no other.
      const seen = github.requests.length;
      await wait('two more cycles', () => github.requests.length >= seen + 2);
      expect(github.pulls).toHaveLength(1);
      expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

      // The token revoked: one line says what to fix; the cluster halt stays.
      github.refuse(401, 'Bad credentials', 1_000);
      await wait('the refusal logged', () =>
        proc.logs().some((l) => String(l.msg).includes('GitHub answered 401 (Bad credentials)')),
      );
      const line = proc.logs().find((l) => String(l.msg).includes('GitHub answered 401'))!;
      expect(line.msg).toMatch(
        /^cannot open the pull request that pauses policy web: GitHub answered 401 \(Bad credentials\) to GET \/repos\/acme\/policies\/pulls\?head=acme:patchwindow\/halt-web: the token in .*token is not valid \(expired or revoked\); replace it; the halt stays on the cluster, retried next cycle$/,
      );
      expect(proc.output()).not.toContain(TOKEN);
      expect((await halts.read()).get('web')?.state).toBe('halted');

      // The reviewed merge: once applied, the pause in git holds the pool and the cluster halt is lifted.
      const work = simpleGit(`${repo.bare}-work`);
      await work.fetch('origin', 'patchwindow/halt-web');
      await work.merge(['--ff-only', 'FETCH_HEAD']);
      await work.push('origin', 'main');
      await wait('the cluster halt lifted', async () => (await halts.read()).get('web')?.state === 'resumed');
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await github.close();
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
