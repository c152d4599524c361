// Shared by the reconcile/apply/deploy/status suites: a real policy repository (bare repo plus a
// working clone that commits and pushes, force-pushes included), policy documents, a git smart-HTTP
// server (git http-backend) with basic auth, and a spawned `patchwindow` process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { jsonLines } from '../helpers/json-lines.ts';
import { freePorts } from '../testenv/ports.ts';

export interface FleetSpec {
  readonly name: string;
  readonly namespace: string;
  readonly poolLabel: string;
}

export function fleetYaml(f: FleetSpec): string {
  return [
    'apiVersion: patchwindow.io/v1alpha1',
    'kind: Fleet',
    'metadata:',
    `  name: ${f.name}`,
    'spec:',
    `  namespace: ${f.namespace}`,
    `  poolLabel: ${f.poolLabel}`,
    '',
  ].join('\n');
}

/** A policy for `pools`; `start` is its window's start (line 12 of the file). */
export function policyYaml(
  name: string,
  pools: readonly string[],
  opts: { maxUnavailable?: number; start?: string } = {},
): string {
  return [
    'apiVersion: patchwindow.io/v1alpha1',
    'kind: RebootPolicy',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  nodePools: [${pools.join(', ')}]`,
    `  maxUnavailable: ${opts.maxUnavailable ?? 1}`,
    '  timeZone: UTC',
    '  windows:',
    '    - days: [sat]',
    '      end: "05:00"',
    `      start: "${opts.start ?? '01:00'}"`,
    '',
  ].join('\n');
}

/** A bare repository (`bare`) and a clone that commits to `main` and pushes (with --force). */
export interface PolicyRepo {
  readonly bare: string;
  readonly url: string;
  /** Writes (string) or deletes (null) files under the work tree, commits and pushes; returns the commit. */
  commit(files: Readonly<Record<string, string | null>>, message: string): Promise<string>;
  /** Moves main back `count` commits locally (the next commit force-pushes a rewritten history). */
  rewind(count: number): Promise<void>;
}

export async function createPolicyRepo(root: string, name = 'policies.git'): Promise<PolicyRepo> {
  const bare = join(root, name);
  const work = join(root, `${name}-work`);
  await simpleGit().init(true, [bare, '--initial-branch=main']);
  await simpleGit().clone(bare, work);
  const git = simpleGit(work);
  await git.addConfig('user.email', 'test@example.invalid');
  await git.addConfig('user.name', 'test');
  await git.addConfig('commit.gpgsign', 'false');
  await git.checkoutLocalBranch('main');
  return {
    bare,
    url: `file://${bare}`,
    async commit(files, message) {
      for (const [file, text] of Object.entries(files)) {
        const path = join(work, file);
        if (text === null) {
          await rm(path);
          await git.rm(file);
        } else {
          await mkdir(join(path, '..'), { recursive: true });
          await writeFile(path, text);
          await git.add(file);
        }
      }
      await git.commit(message);
      await git.push('origin', 'main', ['--force']);
      return (await git.revparse(['HEAD'])).trim();
    },
    async rewind(count) {
      await git.reset(['--hard', `HEAD~${count}`]);
    },
  };
}

export interface GitHttpServer {
  /** http://127.0.0.1:<port>/<repo> without credentials. */
  url(repo: string): string;
  /** Requests wait until `release()` is called (to keep a cycle busy in git). */
  hold(): { release: () => void };
  /** Number of git requests received. */
  readonly requests: () => number;
  /** Replaces the accepted credentials (e.g. a rotated password). */
  setCredentials(credentials: readonly { user: string; password: string }[]): void;
  close(): Promise<void>;
}

/**
 * Serves the bare repositories under `projectRoot` with git's own smart-HTTP CGI (git http-backend),
 * allowing only basic auth with one of `credentials` (401 otherwise, as git hosts answer).
 */
export async function startGitHttp(
  projectRoot: string,
  credentials: readonly { user: string; password: string }[],
): Promise<GitHttpServer> {
  const basic = (c: { user: string; password: string }) =>
    `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;
  let accepted = credentials.map(basic);
  let gate: Promise<void> | undefined;
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    void (async () => {
      await gate;
      if (!accepted.includes(req.headers.authorization ?? '')) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
        return res.end('authentication required\n');
      }
      const url = new URL(req.url ?? '/', 'http://git');
      const cgi = spawn('git', ['http-backend'], {
        env: {
          ...process.env,
          GIT_PROJECT_ROOT: projectRoot,
          GIT_HTTP_EXPORT_ALL: '1',
          REQUEST_METHOD: req.method ?? 'GET',
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
          REMOTE_USER: 'git',
          REMOTE_ADDR: '127.0.0.1',
        },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      req.pipe(cgi.stdin);
      let head = Buffer.alloc(0);
      let headersDone = false;
      cgi.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) return void res.write(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        headersDone = true;
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
          const i = line.indexOf(':');
          const [key, value] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
          if (key.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
          else headers[key] = value;
        }
        res.writeHead(status, headers);
        res.write(head.subarray(end + 4));
      });
      cgi.stdout.on('end', () => res.end());
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (repo) => `http://127.0.0.1:${port}/${repo}`,
    hold() {
      let release = (): void => undefined;
      gate = new Promise<void>((resolve) => (release = resolve));
      return {
        release: () => {
          gate = undefined;
          release();
        },
      };
    },
    requests: () => count,
    setCredentials: (next) => {
      accepted = next.map(basic);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A spawned `node bin/patchwindow.js ...` with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  /** Resolves with the exit code (or the signal name) once the process ended. */
  readonly exited: Promise<number | string>;
}

export function spawnCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliProcess {
  const child = spawn(process.execPath, ['bin/patchwindow.js', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => out,
    logs: () => jsonLines(out),
    exited,
  };
}

/**
 * A kubeconfig whose API server does not answer: a loopback port that was free a moment ago (a
 * port fetch may use: not one of its blocked ports such as 1). Returns its path and the port.
 */
export async function unreachableKubeconfig(dir: string): Promise<{ path: string; port: number }> {
  const [port] = await freePorts(1);
  const path = join(dir, 'unreachable.kubeconfig');
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
      '',
    ].join('\n'),
  );
  return { path, port: port! };
}
