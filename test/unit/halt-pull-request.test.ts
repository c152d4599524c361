// `reconcile --halt-to-git pull-request`: a halt becomes a branch pushed to a real git repository
// and a pull request opened through a loopback server speaking GitHub's REST endpoints, which checks
// what it is sent (title, body with the evidence, base, head, the token). Opened once per branch
// commit; a refusal is one log line with the status, GitHub's message and the fix, and the halt
// stays on the cluster.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Log } from '../../io/log.ts';
import { GitHubPullRequests } from '../../reconciler/gitops/github.ts';
import { haltBranch, recordHaltsInGit } from '../../reconciler/gitops/halt-git.ts';
import { GitSource } from '../../reconciler/gitops/gitsource.ts';
import { FakeHalts, HALTED } from '../fakes/halts.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.ts';
import { closedPort } from '../helpers/loopback.ts';
import { createPolicyRepo, type PolicyRepo } from '../integration/reconcile-fixtures.ts';

const TOKEN = 'ghp_s3cr3tT0ken';
const WEB = `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata:
  name: web
spec:
  nodePools: [web]
  windows: [{ days: [sat], start: "01:00", end: "05:00" }]
  halt: { afterFailures: 2, within: 1h }
`;

let root: string;
let repo: PolicyRepo;
let github: FakeGitHub;
let lines: { level: string; fields: Record<string, unknown>; message: string }[];
const log: Log = {
  debug: (fields, message) => lines.push({ level: 'debug', fields, message }),
  info: (fields, message) => lines.push({ level: 'info', fields, message }),
  warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
  error: (fields, message) => lines.push({ level: 'error', fields, message }),
};

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'patchwindow-halt-pr-'));
  repo = await createPolicyRepo(root);
  lines = [];
  await writeFile(join(root, 'token'), `${TOKEN}\n`);
  const bare = simpleGit(repo.bare);
  github = await startFakeGitHub({
    owner: 'acme',
    repo: 'policies',
    token: TOKEN,
    branchHead: async (b) =>
      (await bare.raw(['branch', '--list', b])).trim() !== '' ? (await bare.revparse([b])).trim() : undefined,
  });
});
afterEach(async () => {
  await github.close();
  await rm(root, { recursive: true, force: true });
});

/** One applied cycle's halt recording, as the controller runs it. */
async function cycle(halts: FakeHalts, apiUrl = github.url): Promise<void> {
  const source = new GitSource({ url: repo.url, ref: 'main', cacheDir: join(root, 'cache') });
  const commit = await source.sync();
  const pullRequests = new GitHubPullRequests({
    apiUrl,
    tokenFile: join(root, 'token'),
    repo: { owner: 'acme', repo: 'policies' },
  });
  const files = [{ file: 'policies/web.yaml', text: WEB }];
  await recordHaltsInGit({ mode: 'pull-request', source, halts, pullRequests, files, commit, nowMs: 0, log });
}

async function halted(): Promise<FakeHalts> {
  await repo.commit({ 'policies/web.yaml': WEB }, 'policies');
  const halts = new FakeHalts();
  await halts.write('web', HALTED);
  return halts;
}

const everything = () => JSON.stringify(lines);

describe('a halt recorded as a pull request (--halt-to-git pull-request)', () => {
  it('pushes the branch and opens a pull request into the followed branch with the evidence, sending the token', async () => {
    const halts = await halted();
    await cycle(halts);
    const head = (await simpleGit(repo.bare).revparse([haltBranch('web')])).trim();
    const posts = github.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.path).toBe('/repos/acme/policies/pulls');
    expect(posts[0]!.headers.authorization).toBe(`token ${TOKEN}`);
    const sent = JSON.parse(posts[0]!.body) as Record<string, string>;
    expect(sent).toMatchObject({
      head: 'patchwindow/halt-web',
      base: 'main',
      title: 'patchwindow: pause policy web: halted after 2 failures within 1h',
    });
    expect(sent.body).toContain('- 2026-12-05T05:59:00.123Z w1: drain: drain failed: timed out after 5s');
    expect(sent.body).toContain('- 2026-12-05T06:00:00.123Z w2: reboot: the node did not reboot: same boot id');
    expect(github.pulls).toMatchObject([{ number: 1, head: { ref: 'patchwindow/halt-web', sha: head } }]);
    // Listed by head first (GitHub's owner:branch form).
    expect(github.requests[0]!.method).toBe('GET');
    expect(new URL(github.requests[0]!.path, 'http://x').searchParams.get('head')).toBe('acme:patchwindow/halt-web');
    expect(lines.map((l) => l.message)).toContainEqual(
      expect.stringMatching(
        /^policy web halted: opened pull request #1 \(https:\/\/github.example\/acme\/policies\/pull\/1\) from patchwindow\/halt-web into main/,
      ),
    );
    expect(everything()).not.toContain(TOKEN);
    // The halt stays on the cluster until the merge is applied.
    expect((await halts.read()).get('web')).toEqual(HALTED);
  });

  it('opens it once: a later cycle finds it by head, and one closed unmerged is not opened again', async () => {
    const halts = await halted();
    await cycle(halts);
    await cycle(halts);
    expect(github.pulls).toHaveLength(1);
    github.pulls[0]!.state = 'closed';
    await cycle(halts);
    expect(github.pulls).toHaveLength(1);
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it.each([
    [
      401,
      'Bad credentials',
      /GitHub answered 401 \(Bad credentials\) to GET \/repos\/acme\/policies\/pulls\?head=acme:patchwindow\/halt-web: the token in .*token is not valid \(expired or revoked\); replace it/,
    ],
    [
      403,
      'Resource not accessible by personal access token',
      /GitHub answered 403 \(Resource not accessible by personal access token\) to GET .*: the token may not open pull requests in acme\/policies/,
    ],
  ])('says in one line what to fix when GitHub refuses with %i, and keeps the halt', async (status, message, want) => {
    const halts = await halted();
    github.refuse(status, message);
    await cycle(halts);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^cannot open the pull request that pauses policy web: /);
    expect(errors[0]!.message).toMatch(want);
    expect(errors[0]!.message).toMatch(/; the halt stays on the cluster, retried next cycle$/);
    expect(errors[0]!.message).not.toContain('\n');
    expect(everything()).not.toContain(TOKEN);
    expect((await halts.read()).get('web')).toEqual(HALTED);
    // The next cycle, GitHub willing, opens it from the branch already pushed.
    await cycle(halts);
    expect(github.pulls).toHaveLength(1);
  });

  it('reports a 422 with GitHub validation errors, e.g. a base branch that does not exist', async () => {
    const halts = await halted();
    github.refuse(422, 'Validation Failed', 2, [{ message: 'No commits between main and patchwindow/halt-web' }]);
    await cycle(halts);
    const error = lines.find((l) => l.level === 'error')!;
    expect(error.message).toMatch(
      /GitHub answered 422 \(Validation Failed: No commits between main and patchwindow\/halt-web\) to GET .*: check that the base branch main exists in acme\/policies and that patchwindow\/halt-web was pushed there/,
    );
    expect((await halts.read()).get('web')).toEqual(HALTED);
  });

  it('says so when the API cannot be reached, and keeps the halt', async () => {
    const halts = await halted();
    await cycle(halts, `http://127.0.0.1:${await closedPort()}`);
    const error = lines.find((l) => l.level === 'error')!;
    expect(error.message).toMatch(
      /cannot reach the GitHub API at http:\/\/127\.0\.0\.1:\d+ \(GET .*\): .*; check --forge-api-url and the network/,
    );
    expect((await halts.read()).get('web')).toEqual(HALTED);
  });

  it('says which file to fix when the token file is missing', async () => {
    const halts = await halted();
    await rm(join(root, 'token'));
    await cycle(halts);
    expect(lines.find((l) => l.level === 'error')?.message).toMatch(
      /cannot read the forge token file .*token: ENOENT; mount the Secret with the token there \(--forge-token-file\)/,
    );
    expect(github.requests).toEqual([]);
  });
});
