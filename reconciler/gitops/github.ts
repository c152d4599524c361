// Pull requests on GitHub (and GitHub Enterprise: another API URL) through its REST API with
// @octokit/rest, for `reconcile --halt-to-git pull-request`. The token is read from its file at each
// use (a rotated Secret is picked up) and never logged: octokit's own logging is off, and a refusal
// becomes one line with the status, GitHub's message and what to fix (ForgeError).
import { Octokit } from '@octokit/rest';
import { readFile } from 'node:fs/promises';
import { IoError, messageOf } from '../../policy/errors.ts';
import type { ForgeRepo } from './halt-pr.ts';

/** Opens pull requests, at most one per head commit. */
export interface PullRequests {
  /**
   * The pull request from branch `head` (at commit `headSha`) into `base`: one that exists for that
   * commit (open, closed or merged: a human decided), or a new one.
   */
  ensure(o: {
    head: string;
    headSha: string;
    base: string;
    title: string;
    body: string;
  }): Promise<{ number: number; url: string; opened: boolean }>;
}

/** The forge refused or could not be reached: one line, with what to fix. */
export class ForgeError extends IoError {}

export interface GitHubOptions {
  /** REST API base: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  readonly apiUrl: string;
  readonly tokenFile: string;
  readonly repo: ForgeRepo;
  /** Longest wait for one API request (default 30 s). */
  readonly timeoutMs?: number;
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

export class GitHubPullRequests implements PullRequests {
  readonly #o: GitHubOptions;
  readonly #secrets: string[] = [];

  constructor(o: GitHubOptions) {
    this.#o = o;
  }

  async ensure(o: { head: string; headSha: string; base: string; title: string; body: string }) {
    const { owner, repo } = this.#o.repo;
    const octokit = new Octokit({
      auth: await this.#token(),
      baseUrl: this.#o.apiUrl.replace(/\/+$/, ''),
      userAgent: 'patchwindow-reconciler',
      log: SILENT,
    });
    const request = () => ({ signal: AbortSignal.timeout(this.#o.timeoutMs ?? 30_000) });
    const listed = await this.#call(`GET /repos/${owner}/${repo}/pulls?head=${owner}:${o.head}`, o, () =>
      octokit.rest.pulls.list({
        owner,
        repo,
        head: `${owner}:${o.head}`,
        state: 'all',
        per_page: 100,
        request: request(),
      }),
    );
    const same = listed.data.find((p) => p.head.sha === o.headSha);
    if (same !== undefined) return { number: same.number, url: same.html_url, opened: false };
    const created = await this.#call(`POST /repos/${owner}/${repo}/pulls`, o, () =>
      octokit.rest.pulls.create({
        owner,
        repo,
        head: o.head,
        base: o.base,
        title: o.title,
        body: o.body,
        request: request(),
      }),
    );
    return { number: created.data.number, url: created.data.html_url, opened: true };
  }

  /** The tokens read so far, for log redaction. */
  knownSecrets(): readonly string[] {
    return this.#secrets;
  }

  async #token(): Promise<string> {
    const token = await readFile(this.#o.tokenFile, 'utf8').then(
      (t) => t.trim(),
      (err: unknown) => {
        throw new ForgeError(
          `cannot read the forge token file ${this.#o.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}; mount the Secret with the token there (--forge-token-file)`,
        );
      },
    );
    if (token === '') throw new ForgeError(`the forge token file ${this.#o.tokenFile} is empty; put the token in it`);
    if (!this.#secrets.includes(token)) this.#secrets.push(token);
    return token;
  }

  async #call<T>(what: string, o: { head: string; base: string }, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err: unknown) {
      // A request that got no answer (refused, timed out) has no response (octokit says status 500).
      const { status, response } = err as { status?: unknown; response?: unknown };
      if (typeof status !== 'number' || response === undefined) {
        throw new ForgeError(
          `cannot reach the GitHub API at ${this.#o.apiUrl} (${what}): ${messageOf(err)}; check --forge-api-url and the network`,
        );
      }
      throw new ForgeError(
        `GitHub answered ${status} (${githubMessage(err)}) to ${what}: ${fixFor(status, this.#o, o)}`,
      );
    }
  }
}

/** GitHub's message and its validation errors, on one line. */
function githubMessage(err: unknown): string {
  const data = (err as { response?: { data?: unknown } }).response?.data as
    { message?: unknown; errors?: unknown } | undefined;
  const message = typeof data?.message === 'string' ? data.message : messageOf(err);
  const details = Array.isArray(data?.errors)
    ? (data.errors as { message?: unknown; code?: unknown }[])
        .map((e) => (typeof e.message === 'string' ? e.message : typeof e.code === 'string' ? e.code : ''))
        .filter((m) => m !== '')
    : [];
  return [message, ...details].join(': ').replace(/\s+/g, ' ');
}

function fixFor(status: number, g: GitHubOptions, o: { head: string; base: string }): string {
  const where = `${g.repo.owner}/${g.repo.repo}`;
  if (status === 401) return `the token in ${g.tokenFile} is not valid (expired or revoked); replace it`;
  if (status === 403)
    return `the token may not open pull requests in ${where} (classic token: repo scope; fine-grained: Pull requests read and write), or the rate limit is reached`;
  if (status === 404)
    return `${where} is not found at ${g.apiUrl} or the token cannot see it; check --forge-repo (or the --repo URL) and --forge-api-url`;
  if (status === 422)
    return `check that the base branch ${o.base} exists in ${where} and that ${o.head} was pushed there with commits not in ${o.base}`;
  return `check --forge-api-url ${g.apiUrl} and the forge's status`;
}
