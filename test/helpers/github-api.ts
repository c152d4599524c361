// Test kit: a real HTTP server on 127.0.0.1 speaking the two GitHub REST endpoints the reconciler
// uses for a halt's pull request (GET and POST /repos/{owner}/{repo}/pulls), as documented: it
// checks the token (401 "Bad credentials" otherwise), lists pull requests by `head` (owner:branch)
// and `state`, and opens one only for a head branch that exists in the real git repository behind
// it (422 "Validation Failed" otherwise, as GitHub answers). A test can close a pull request, or
// make the next requests fail with a status of its choice.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePull {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly head: { readonly ref: string; readonly sha: string };
  readonly base: { readonly ref: string };
  state: 'open' | 'closed';
}

export interface GitHubRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeGitHub {
  /** http://127.0.0.1:<port>, the API base (as https://api.github.com). */
  readonly url: string;
  readonly requests: GitHubRequest[];
  readonly pulls: FakePull[];
  /** The next `count` requests are answered with `status` and GitHub's error shape. */
  refuse(status: number, message: string, count?: number, errors?: readonly { message: string }[]): void;
  close(): Promise<void>;
}

export async function startFakeGitHub(o: {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  /** The commit a branch points at in the repository, or undefined when it does not exist. */
  readonly branchHead: (branch: string) => Promise<string | undefined>;
}): Promise<FakeGitHub> {
  const requests: GitHubRequest[] = [];
  const pulls: FakePull[] = [];
  const refusals: { status: number; body: unknown }[] = [];
  const prefix = `/repos/${o.owner}/${o.repo}/pulls`;
  const json = (p: FakePull) => ({
    ...p,
    html_url: `https://github.example/${o.owner}/${o.repo}/pull/${p.number}`,
    head: { ...p.head, label: `${o.owner}:${p.head.ref}` },
  });
  const answer = async (r: GitHubRequest): Promise<{ status: number; body: unknown }> => {
    const refused = refusals.shift();
    if (refused !== undefined) return refused;
    if (r.headers.authorization !== `token ${o.token}`)
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
    const u = new URL(r.path, 'http://x');
    if (u.pathname !== prefix) return { status: 404, body: { message: 'Not Found' } };
    if (r.method === 'GET') {
      const head = u.searchParams.get('head');
      const state = u.searchParams.get('state') ?? 'open';
      return {
        status: 200,
        body: pulls
          .filter((p) => head === null || `${o.owner}:${p.head.ref}` === head)
          .filter((p) => state === 'all' || p.state === state)
          .map(json),
      };
    }
    if (r.method !== 'POST') return { status: 404, body: { message: 'Not Found' } };
    const b = JSON.parse(r.body) as { title?: string; body?: string; head?: string; base?: string };
    const sha = b.head === undefined ? undefined : await o.branchHead(b.head);
    const baseSha = b.base === undefined ? undefined : await o.branchHead(b.base);
    if (sha === undefined || baseSha === undefined || b.title === undefined)
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', field: sha === undefined ? 'head' : 'base', code: 'invalid' }],
        },
      };
    const p: FakePull = {
      number: pulls.length + 1,
      title: b.title,
      body: b.body ?? '',
      head: { ref: b.head!, sha },
      base: { ref: b.base! },
      state: 'open',
    };
    pulls.push(p);
    return { status: 201, body: json(p) };
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(r);
      void answer(r).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    pulls,
    refuse(status, message, count = 1, errors) {
      for (let i = 0; i < count; i++) refusals.push({ status, body: { message, ...(errors ? { errors } : {}) } });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
