// The git token of the in-cluster reconciler never shows on a command line: a real fetch over
// smart HTTP (git http-backend with basic auth on loopback) while every process's arguments and
// environment are read from /proc.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicyRepo, startGitHttp, type GitHttpServer } from '../../test/integration/reconcile-fixtures.ts';
import { GitSource } from './gitsource.ts';

const TOKEN = 'glpat-Zq8vTokenNeverShown42';
const BASIC = Buffer.from(`git:${TOKEN}`).toString('base64');

/** Every process's command line and environment as text (processes that end meanwhile are skipped). */
async function processTexts(): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    for (const file of ['cmdline', 'environ']) {
      const text = await readFile(`/proc/${pid}/${file}`, 'latin1').catch(() => '');
      if (text !== '') out.push(text.replace(/\0/g, ' '));
    }
  }
  return out;
}

describe('the git token', () => {
  let root: string;
  let git: GitHttpServer;
  let commit: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'patchwindow-token-'));
    const repo = await createPolicyRepo(root, 'token.git');
    commit = await repo.commit({ 'fleet.yaml': 'kind: Fleet\n' }, 'one');
    git = await startGitHttp(root, [{ user: 'git', password: TOKEN }]);
  });

  afterAll(async () => {
    await git.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reaches git through the credential helper, never through a command line or the environment', async () => {
    const tokenFile = join(root, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const source = new GitSource({
      url: git.url('token.git'),
      ref: 'main',
      cacheDir: join(root, 'cache'),
      credentials: { tokenFile },
      timeoutMs: 20_000,
    });
    const gate = git.hold();
    const fetched = source.sync();
    let done = false;
    void fetched.finally(() => (done = true)).catch(() => undefined);
    const seen: string[] = [];
    // Look while git waits on the held request, then while it authenticates and fetches.
    for (let i = 0; !done; i++) {
      seen.push(...(await processTexts()).filter((t) => t.includes(TOKEN) || t.includes(BASIC)));
      if (i === 20) gate.release();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await fetched).toBe(commit);
    expect(seen).toEqual([]);
    expect(git.requests()).toBeGreaterThanOrEqual(2);
  });
});
