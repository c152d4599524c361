// `patchwindow plan` on a real git repository built commit by commit in a temp directory: the base
// is read from git, the head from the working tree, and the working tree is never touched.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

let root: string;
let repo: string;
let git: SimpleGit;
let policies: string;

async function commitAs(tag: string, change: () => Promise<void>): Promise<void> {
  await change();
  await git.add(['-A']);
  await git.commit(tag);
  await git.addTag(tag);
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const path = join(policies, file);
  const text = await readFile(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  await writeFile(path, text.replace(from, to));
}

/** Runs plan with the working tree at `head` (a tag). */
async function plan(head: string, args: readonly string[]) {
  await git.checkout(['-q', head]);
  return runCli(['plan', policies, ...args], { cwd: repo });
}

const BATCH = `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata: { name: batch }
spec:
  nodeSelector: { matchLabels: { workload: batch } }
  priority: 10
  windows: [{ days: [sun], start: "02:00", end: "06:00" }]
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'patchwindow-plan-'));
  repo = join(root, 'repo');
  policies = join(repo, 'clusters', 'prod', 'policies');
  await mkdir(repo);
  git = simpleGit({ baseDir: repo });
  await git.init(['--initial-branch=main']);
  await git.addConfig('user.email', 'test@example.invalid');
  await git.addConfig('user.name', 'test');
  await git.addConfig('commit.gpgsign', 'false');
  await commitAs('empty', () => writeFile(join(repo, 'README.md'), 'policies come later\n'));
  await commitAs('initial', () => cp('policies-example', policies, { recursive: true }));
  await commitAs('window-change', () => edit('gpu.yaml', 'start: "06:00"', 'start: "08:00"'));
  await commitAs('pool-moved', async () => {
    await edit('general.yaml', 'nodePools: [general, spot]', 'nodePools: [general]');
    await edit('system.yaml', 'nodePools: [system]', 'nodePools: [system, spot]');
  });
  await commitAs('added-removed', async () => {
    await writeFile(join(policies, 'batch.yaml'), BATCH);
    await rm(join(policies, 'system.yaml'));
  });
  await commitAs('broken', () => edit('general.yaml', 'start: "20:00"', 'start: "25:00"'));
  await commitAs('fixed', () => edit('general.yaml', 'start: "25:00"', 'start: "20:00"'));
  await writeFile(
    join(root, 'nodes.json'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { kind: 'Node', metadata: { name: 'spot-1', labels: { 'kubernetes.azure.com/agentpool': 'spot' } } },
        { kind: 'Node', metadata: { name: 'gpu-1', labels: { 'kubernetes.azure.com/agentpool': 'gpu' } } },
      ],
    }),
  );
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('patchwindow plan --base', () => {
  it('shows a window change as the next windows before and after (json)', async () => {
    const run = await plan('window-change', ['--base', 'initial', '--format', 'json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      base: { ref: string };
      policies: {
        name: string;
        status: string;
        aspects: { id: string; before: { data: { start: string }[] }; after: { data: { start: string }[] } }[];
      }[];
    };
    expect(out.base.ref).toMatch(/^initial \([0-9a-f]{7}\)$/);
    expect(out.policies.map((p) => `${p.name}:${p.status}`)).toEqual([
      'general:unchanged',
      'gpu:changed',
      'system:unchanged',
    ]);
    const windows = out.policies[1]!.aspects.find((a) => a.id === 'windows')!;
    // Saturday 2026-11-28 in Europe/Berlin (UTC+1): 06:00 before, 08:00 after.
    expect(windows.before.data[0]!.start).toBe('2026-11-28T05:00:00Z');
    expect(windows.after.data[0]!.start).toBe('2026-11-28T07:00:00Z');
  });

  it('shows a pool that moved, and the nodes that follow it (text, --nodes)', async () => {
    const run = await plan('pool-moved', ['--base', 'window-change', '--nodes', join(root, 'nodes.json')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Pools moved:\n  spot: general → system\n');
    expect(run.stdout).toContain('  spot-1: general → system\n');
    expect(run.stdout).not.toContain('gpu-1:');
  });

  it('shows an added and a removed policy (markdown for the pull request)', async () => {
    const run = await plan('added-removed', ['--base', 'pool-moved', '--format', 'markdown']);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('<!-- patchwindow-plan -->\n')).toBe(true);
    expect(run.stdout).toContain('#### `batch` — added');
    expect(run.stdout).toContain('#### `system` — removed');
    expect(run.stdout).toContain('- added `DaemonSet patchwindow/patchwindow-agent-batch`');
    expect(run.stdout).toContain('- removed `DaemonSet patchwindow/patchwindow-agent-system`');
  });

  it('prints the errors of an invalid working tree and exits 1', async () => {
    await git.checkout(['-q', 'fixed']);
    await edit('gpu.yaml', 'maxUnavailable: 1', 'maxUnavailable: 0');
    try {
      const run = await runCli(['plan', policies, '--base', 'initial'], { cwd: repo });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/gpu\.yaml:\d+:\d+: error: spec\.maxUnavailable/);
      expect(run.stdout).toBe('');
    } finally {
      await git.checkout(['--', '.']);
    }
  });

  it('says so when the base is invalid, and compares against nothing', async () => {
    const run = await plan('fixed', ['--base', 'broken']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'note: the policies at broken are invalid (1 error, 0 warnings); everything shows as added',
    );
    expect(run.stdout).toContain('  + general (added)');
  });

  it('compares against nothing when the policies did not exist at the base', async () => {
    const run = await plan('initial', ['--base', 'empty']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('note: no policy files at empty (clusters/prod/policies); everything shows as added');
  });

  it('exits 2 for an unknown revision', async () => {
    const run = await plan('fixed', ['--base', 'no-such-branch']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--base no-such-branch: unknown revision');
  });

  it('exits 2 for a revision that looks like an option', async () => {
    expect((await plan('fixed', ['--base=--output=/tmp/x'])).code).toBe(2);
  });

  it('exits 2 for paths outside a git repository', async () => {
    const outside = join(root, 'not-a-repo');
    await cp('policies-example', outside, { recursive: true });
    const run = await runCli(['plan', outside, '--base', 'main'], { cwd: root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${outside}: is not inside a git repository`);
  });

  it('leaves the working tree, the index and HEAD as they were', async () => {
    await git.checkout(['-q', 'fixed']);
    const head = await git.revparse(['HEAD']);
    await runCli(['plan', policies, '--base', 'initial'], { cwd: repo });
    expect(await git.revparse(['HEAD'])).toBe(head);
    expect((await git.status()).isClean()).toBe(true);
  });
});
