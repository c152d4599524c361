import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPolicyRepo, type PolicyRepo } from '../../test/integration/reconcile-fixtures.ts';
import { GitSource, maskUrl, redact } from './gitsource.ts';

let root: string;
let repo: PolicyRepo;
let bare: string;

function commit(file: string, text: string, message: string): Promise<string> {
  return repo.commit({ [file]: text }, message);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'patchwindow-git-'));
  repo = await createPolicyRepo(root);
  bare = repo.bare;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('GitSource', () => {
  it('clones, then follows new commits', async () => {
    const first = await commit('a.yaml', 'one\n', 'first');
    const source = new GitSource({ url: `file://${bare}`, ref: 'main', cacheDir: join(root, 'cache') });
    expect(await source.sync()).toBe(first);
    expect(await readFile(join(source.dir, 'a.yaml'), 'utf8')).toBe('one\n');
    const second = await commit('a.yaml', 'two\n', 'second');
    expect(await source.sync()).toBe(second);
    expect(await readFile(join(source.dir, 'a.yaml'), 'utf8')).toBe('two\n');
  });

  it('follows a force-push that rewrites history', async () => {
    await commit('a.yaml', 'one\n', 'first');
    await commit('a.yaml', 'two\n', 'second');
    const source = new GitSource({ url: `file://${bare}`, ref: 'main', cacheDir: join(root, 'cache') });
    await source.sync();
    await repo.rewind(1);
    const rewritten = await commit('a.yaml', 'rewritten\n', 'rewritten');
    expect(await source.sync()).toBe(rewritten);
    expect(await readFile(join(source.dir, 'a.yaml'), 'utf8')).toBe('rewritten\n');
  });

  it('recovers a cache left without a remote by a process killed during the first clone', async () => {
    const first = await commit('a.yaml', 'one\n', 'first');
    const cacheDir = join(root, 'cache');
    await simpleGit().init(false, [cacheDir]);
    const source = new GitSource({ url: `file://${bare}`, ref: 'main', cacheDir });
    expect(await source.sync()).toBe(first);
  });

  it('stops git when its signal aborts', async () => {
    await commit('a.yaml', 'one\n', 'first');
    const source = new GitSource({ url: `file://${bare}`, ref: 'main', cacheDir: join(root, 'cache') });
    const err = await source.sync(AbortSignal.abort()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^cannot fetch file:\/\/.*@main: /);
  });

  it('gives up a transfer that stalls instead of hanging the cycle', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const source = new GitSource({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stalls.git`,
        ref: 'main',
        cacheDir: join(root, 'cache'),
        timeoutMs: 2_000,
      });
      const err = await source.sync().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/^cannot fetch http:\/\/127\.0\.0\.1:\d+\/stalls\.git@main: /);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('never shows credentials of the URL in its errors', async () => {
    const source = new GitSource({
      url: 'https://alice:s3cr3t-token@127.0.0.1:1/policies.git',
      ref: 'main',
      cacheDir: join(root, 'cache'),
      timeoutMs: 10_000,
    });
    expect(source.describe()).toBe('https://***@127.0.0.1:1/policies.git@main');
    const err = await source.sync().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^cannot fetch https:\/\/\*\*\*@127\.0\.0\.1:1\/policies\.git@main: /);
    expect(err?.message).not.toContain('s3cr3t');
    expect(err?.message).not.toContain('alice');
    expect(source.knownSecrets()).toEqual(expect.arrayContaining(['alice:s3cr3t-token', 's3cr3t-token']));
  });

  it("never shows a token file's token in its errors", async () => {
    const tokenFile = join(root, 'token');
    await writeFile(tokenFile, 'ghp_supersecret\n');
    const source = new GitSource({
      url: 'https://127.0.0.1:1/policies.git',
      ref: 'main',
      cacheDir: join(root, 'cache'),
      credentials: { tokenFile },
      timeoutMs: 10_000,
    });
    const err = await source.sync().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).not.toContain('ghp_supersecret');
    // git refused before sending anything here, so the message could not hold the token anyway:
    // what keeps it out of every log line is that the source names it (and its Basic form) as secret.
    expect(source.knownSecrets()).toEqual(
      expect.arrayContaining(['ghp_supersecret', Buffer.from('git:ghp_supersecret').toString('base64')]),
    );
  });

  it('masks user info in URLs and redacts secrets from messages', () => {
    expect(maskUrl('https://user:pw@host/x.git')).toBe('https://***@host/x.git');
    expect(maskUrl('ssh://git@host/x.git')).toBe('ssh://***@host/x.git');
    expect(maskUrl('https://host/x.git')).toBe('https://host/x.git');
    expect(redact('failed for https://u:p@host and token abcd1234', ['abcd1234'])).toBe(
      'failed for https://***@host and token ***',
    );
  });
});
