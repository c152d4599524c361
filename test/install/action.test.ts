// The GitHub Action's logic (action/pr-check.ts, which action.yml runs) on a real git repository of
// policies with a pull-request branch, the CLI of this checkout, and a loopback HTTP server standing
// in for GitHub's issue-comments API: annotations, the rendered-output check, and one plan comment
// that a second run updates instead of duplicating.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prCheck } from '../../action/pr-check.ts';

const run = promisify(execFile);

interface Comment {
  id: number;
  body: string;
}

describe('action/pr-check.ts', () => {
  let root: string;
  let work: string;
  let server: Server;
  let api: string;
  const comments: Comment[] = [];
  const requests: string[] = [];
  const git = (...args: string[]) => run('git', args, { cwd: work });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'patchwindow-action-'));
    work = join(root, 'repo');
    await run('git', ['init', '--initial-branch=main', work]);
    await git('config', 'user.email', 'test@example.invalid');
    await git('config', 'user.name', 'test');
    await cp(resolve('policies-example'), join(work, 'policies'), { recursive: true });
    await run(process.execPath, [resolve('bin/patchwindow.js'), 'render', 'policies', '--out', 'rendered'], {
      cwd: work,
    });
    await git('add', '.');
    await git('commit', '-m', 'base');
    await git('checkout', '-b', 'later-gpu-window');
    const gpu = join(work, 'policies/gpu.yaml');
    await writeFile(gpu, (await readFile(gpu, 'utf8')).replace('start: "06:00"', 'start: "04:30"'));
    await run(process.execPath, [resolve('bin/patchwindow.js'), 'render', 'policies', '--out', 'rendered', '--clean'], {
      cwd: work,
    });
    await git('commit', '-am', 'gpu window at 04:30');
    await writeFile(join(root, 'event.json'), JSON.stringify({ pull_request: { number: 7 } }));

    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
        const reply = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(json));
        };
        if (req.method === 'GET' && req.url?.startsWith('/repos/o/r/issues/7/comments')) return reply(200, comments);
        if (req.method === 'POST' && req.url === '/repos/o/r/issues/7/comments') {
          const c = { id: 100 + comments.length, body: (JSON.parse(body) as { body: string }).body };
          comments.push(c);
          return reply(201, c);
        }
        const patch = /^\/repos\/o\/r\/issues\/comments\/(\d+)$/.exec(req.url ?? '');
        const found = patch && comments.find((c) => c.id === Number(patch[1]));
        if (req.method === 'PATCH' && found) {
          found.body = (JSON.parse(body) as { body: string }).body;
          return reply(200, found);
        }
        reply(404, { message: 'Not Found' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(root, { recursive: true, force: true });
  });

  const check = async (inputs: Record<string, string>) => {
    let out = '';
    const env = {
      PATH: process.env.PATH,
      HOME: root,
      PATCHWINDOW_BIN: `${process.execPath} ${resolve('bin/patchwindow.js')}`,
      GITHUB_API_URL: api,
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_EVENT_PATH: join(root, 'event.json'),
      GITHUB_TOKEN: 'ghs_test',
      GITHUB_STEP_SUMMARY: join(root, 'summary.md'),
      INPUT_POLICIES: 'policies',
      INPUT_RENDERED: 'rendered',
      INPUT_BASE: 'main',
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    };
    const cwd = process.cwd();
    process.chdir(work);
    try {
      const code = await prCheck(env, (s) => (out += s));
      return { code, out };
    } finally {
      process.chdir(cwd);
    }
  };

  it('posts the plan once and updates it on the next push', async () => {
    const first = await check({});
    expect(first.out).toContain('plan comment posted');
    expect(first.code).toBe(0);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.startsWith('<!-- patchwindow-plan -->')).toBe(true);
    expect(comments[0]!.body).toContain('04:30');
    expect(requests[0]).toMatch(/^GET \/repos\/o\/r\/issues\/7\/comments\?per_page=100&page=1 Bearer ghs_test$/);
    expect(await readFile(join(root, 'summary.md'), 'utf8')).toContain('04:30');

    const second = await check({});
    expect(second.out).toContain('plan comment updated (100)');
    expect(comments).toHaveLength(1);
  }, 120_000);

  it('fails with an annotation when the rendered directory is stale', async () => {
    const gpu = join(work, 'policies/gpu.yaml');
    await writeFile(gpu, (await readFile(gpu, 'utf8')).replace('start: "04:30"', 'start: "05:00"'));
    await git('commit', '-am', 'gpu window at 05:00, rendered not updated');
    const r = await check({ comment: 'false' });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '::error::rendered is not what the policies render to; run: patchwindow render policies --out rendered --clean, then commit it',
    );
    await git('checkout', '--', 'rendered');
  }, 120_000);

  it('annotates invalid policies at their file and line, and posts no plan', async () => {
    const gpu = join(work, 'policies/gpu.yaml');
    await writeFile(gpu, (await readFile(gpu, 'utf8')).replace('start: "05:00"', 'start: "5am"'));
    const before = comments[0]!.body;
    const r = await check({});
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^::error file=policies\/gpu\.yaml,line=\d+,col=\d+/m);
    expect(comments[0]!.body).toBe(before);
  }, 120_000);
});
