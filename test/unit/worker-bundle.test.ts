// The agent's worker as the build ships it (scripts/bundle-worker.ts): one file, and chunks beside it
// of what only some policies use (nodemailer) or only a kubeconfig needs (yaml). The supervisor
// starts a worker when a sentinel appears and after every boot, so its start is on the path to the
// cordon and to the uncordon (issue 19); loading hundreds of module files one by one was most of
// it. The bundled worker runs as a real worker process under the supervisor's launcher: it reads
// and checks a real config and the simulated host, and says `ready` with the config's settings,
// having loaded no file but itself (Node's built-ins aside). How much faster it starts is measured
// by the cluster bench (BENCHMARKS.md), not asserted here. Its compiled code is kept in Node's
// compile cache for the next start, also when the reboot it runs kills it (SIGKILL).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker } from '../../scripts/bundle-worker.ts';
import { workerEnvironment, workerProcesses } from '../../agent/adapters/worker-process.ts';
import type { WorkerMessage } from '../../agent/worker-channel.ts';
import { testConfig } from '../fakes/config.ts';
import { SimulatedHost } from '../helpers/agent-host.ts';

// Records every module file the process loads (a preload given through NODE_OPTIONS, as the
// DaemonSet gives its own options to the supervisor and so to its workers).
const RECORD_LOADS = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ load(url, context, next) { appendFileSync(process.env.LOADS_FILE, url + '\\n'); return next(url, context); } });
`)}`;

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchwindow-worker-bundle-'));
  bundle = join(dir, 'dist', 'agent', 'worker.js');
  await bundleWorker(bundle);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Starts `entry` as the supervisor does; resolves with its first message and the files it loaded by
 * then. The worker is killed then (SIGKILL, as a reboot ends it).
 */
async function firstMessage(entry: string): Promise<{ message: WorkerMessage; loaded: string[] }> {
  const host = await SimulatedHost.create('n1', join(dir, `host-${Math.random()}`));
  const configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify(testConfig()));
  const loadsFile = join(dir, `loads-${Math.random()}`);
  await writeFile(loadsFile, '');
  await writeFile(
    join(dir, 'kubeconfig'),
    'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: c, context: { cluster: c, user: u } }]\ncurrent-context: c\n',
  );
  const worker = workerProcesses({
    entry,
    args: { configPath, nodeName: 'n1', dryRun: true, hostRoot: host.root, nsenterPath: host.nsenter },
    env: {
      ...process.env,
      // Credentials from a kubeconfig that is never used: the worker stops before its first request.
      KUBECONFIG: join(dir, 'kubeconfig'),
      NODE_OPTIONS: `--import=${RECORD_LOADS}`,
      LOADS_FILE: loadsFile,
    },
  }).start();
  try {
    const message = await Promise.race([
      new Promise<WorkerMessage>((resolve) => worker.onMessage(resolve)),
      worker.ended.then((end) => {
        throw new Error(`the worker ended before its first message: ${JSON.stringify(end)}`);
      }),
    ]);
    const loaded = (await readFile(loadsFile, 'utf8')).split('\n').filter((u) => u.startsWith('file:'));
    return { message, loaded };
  } finally {
    worker.kill('SIGKILL');
    await worker.ended;
  }
}

describe('the bundled agent worker', () => {
  it('loads no module file but its own, checks its config and the host, and says ready', async () => {
    const { message, loaded } = await firstMessage(bundle);
    expect(message).toMatchObject({ kind: 'ready', settings: { policy: testConfig().policy.name } });
    expect(loaded[0]).toBe(`file://${bundle}`);
    // Its chunks only: the runtime helpers, and the YAML parser for the kubeconfig (none in a pod).
    for (const url of loaded)
      expect(url).toMatch(new RegExp(`^file://${join(dir, 'dist', 'agent')}/worker[^/]*\\.js$`));
    expect(loaded.some((url) => url.includes('nodemailer'))).toBe(false);
  }, 60_000);

  it('holds no Kubernetes client library: its requests go through kube/rest.ts', async () => {
    // @kubernetes/client-node was four fifths of the worker's code and ~35 MiB of its memory
    // (docs/decisions/0009-rest-client.md).
    const files = (await readdir(join(dir, 'dist', 'agent'))).filter((f) => f.startsWith('worker'));
    for (const f of files) {
      const text = await readFile(join(dir, 'dist', 'agent', f), 'utf8');
      expect(text, f).not.toContain('node_modules/@kubernetes/client-node');
    }
  });

  it('leaves its compiled code in the temporary directory for the next start, though a reboot kills it', async () => {
    // The launcher puts Node's compile cache in the supervisor's temporary directory (the pod's
    // emptyDir /tmp); here a fresh one.
    const tmp = join(dir, 'tmp');
    const before = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const { message } = await firstMessage(bundle);
      expect(message.kind).toBe('ready');
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    // Killed with SIGKILL (as the reboot ends it) right after `ready`, and still written.
    const files = await readdir(join(tmp, 'patchwindow-compile-cache'), { recursive: true, withFileTypes: true });
    expect(files.filter((f) => f.isFile()).length).toBeGreaterThan(0);
  }, 60_000);
});

describe("the workers' environment", () => {
  it("puts Node's compile cache in the temporary directory (the pod's emptyDir) unless it is chosen", () => {
    const env = { KUBECONFIG: '/k', NODE_OPTIONS: '--max-semi-space-size=1' };
    expect(workerEnvironment(env, '/tmp')).toEqual({ ...env, NODE_COMPILE_CACHE: '/tmp/patchwindow-compile-cache' });
    expect(workerEnvironment({ ...env, NODE_COMPILE_CACHE: '/var/cache/pw' }, '/tmp')).toEqual({
      ...env,
      NODE_COMPILE_CACHE: '/var/cache/pw',
    });
    expect(workerEnvironment({ ...env, NODE_DISABLE_COMPILE_CACHE: '1' }, '/tmp')).toEqual({
      ...env,
      NODE_DISABLE_COMPILE_CACHE: '1',
    });
  });
});
