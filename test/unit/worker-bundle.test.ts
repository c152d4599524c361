// The agent's worker as the build ships it (scripts/bundle-worker.ts): one file, and chunks beside it
// of what only some policies use (nodemailer, the CEL of health checks) or only a kubeconfig needs (yaml). The supervisor
// imports it into its own process when a sentinel appears and after every boot, so its load is on
// the path to the cordon and to the uncordon (issue 19). Here a process runs the launcher the agent
// uses (agent/adapters/worker-inproc.ts) on the bundle: the worker reads and checks a real config and
// the simulated host and says `ready` with the config's settings, having loaded no file of a
// package; its compiled code is in Node's compile cache for the next start, also when the reboot it
// runs kills the process (SIGKILL). How fast it starts is measured by the cluster bench.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker } from '../../scripts/bundle-worker.ts';
import { compileCacheDir } from '../../agent/adapters/worker-inproc.ts';
import type { WorkerMessage } from '../../agent/worker-channel.ts';
import { testConfig } from '../fakes/config.ts';
import { SimulatedHost } from '../helpers/agent-host.ts';

const LAUNCHER = fileURLToPath(new URL('../../agent/adapters/worker-inproc.ts', import.meta.url));

// Records every module file the process loads (a preload given through NODE_OPTIONS, as the
// DaemonSet gives its own options to the agent).
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
 * Runs the launcher on `entry` in a process of its own; resolves with the worker's first message and
 * the files loaded from `entry`'s directory by then. The process is killed then (SIGKILL, as a
 * reboot ends it).
 */
async function firstMessage(
  entry: string,
  env: Record<string, string> = {},
): Promise<{ message: WorkerMessage; loaded: string[] }> {
  const host = await SimulatedHost.create('n1', join(dir, `host-${Math.random()}`));
  const configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify(testConfig()));
  const loadsFile = join(dir, `loads-${Math.random()}`);
  await writeFile(loadsFile, '');
  await writeFile(
    join(dir, 'kubeconfig'),
    'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: c, context: { cluster: c, user: u } }]\ncurrent-context: c\n',
  );
  const script = `
    const { inProcessWorkers } = await import(${JSON.stringify(LAUNCHER)});
    const args = { configPath: ${JSON.stringify(configPath)}, nodeName: 'n1', dryRun: true, hostRoot: ${JSON.stringify(host.root)}, nsenterPath: ${JSON.stringify(host.nsenter)} };
    const worker = inProcessWorkers({ entry: ${JSON.stringify(entry)}, args, env: process.env }).start();
    worker.onMessage((m) => process.stdout.write(JSON.stringify(m) + '\\n'));
    worker.ended.then((end) => process.stdout.write(JSON.stringify({ ended: end }) + '\\n'));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      ...process.env,
      // Credentials from a kubeconfig that is never used: the worker waits for `start` before its first request.
      KUBECONFIG: join(dir, 'kubeconfig'),
      NODE_OPTIONS: `--import=${RECORD_LOADS}`,
      LOADS_FILE: loadsFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const first = await new Promise<WorkerMessage | { ended: unknown }>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as WorkerMessage));
      child.once('exit', (code) => reject(new Error(`the process ended (${code}) before the worker's first message`)));
    });
    if ('ended' in first) throw new Error(`the worker ended before its first message: ${JSON.stringify(first)}`);
    const loaded = (await readFile(loadsFile, 'utf8'))
      .split('\n')
      .filter((u) => u.startsWith(`file://${join(dir, 'dist')}`) || u.includes('/node_modules/'));
    return { message: first, loaded };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('the bundled agent worker', () => {
  it('loads no file of a package, only its own, checks its config and the host, and says ready', async () => {
    const { message, loaded } = await firstMessage(bundle);
    expect(message).toMatchObject({ kind: 'ready', settings: { policy: testConfig().policy.name } });
    expect(loaded[0]).toBe(`file://${bundle}`);
    // Its chunks only: the runtime helpers, and the YAML parser for the kubeconfig (none in a pod).
    for (const url of loaded)
      expect(url).toMatch(new RegExp(`^file://${join(dir, 'dist', 'agent')}/worker[^/]*\\.js$`));
    expect(loaded.some((url) => url.includes('nodemailer'))).toBe(false);
    // The CEL library only for a policy with health checks (the coordinator evaluates them).
    expect(loaded.some((url) => url.includes('health-cel'))).toBe(false);
  }, 60_000);

  it('holds no Kubernetes client library and no schema compiler, and is ASCII without comments', async () => {
    // @kubernetes/client-node was four fifths of the worker's code and ~35 MiB of its memory
    // (docs/decisions/0009-rest-client.md); ajv's compiler and the schemas are not needed beside the
    // precompiled AgentConfig validator. V8 keeps a module's source while the process runs, two bytes
    // a character once one is beyond Latin-1: the bundle is ASCII, without comments or indentation.
    // The bundle keeps names, so the classes of those libraries would show.
    const files = (await readdir(join(dir, 'dist', 'agent'))).filter((f) => f.startsWith('worker'));
    for (const f of files) {
      const text = await readFile(join(dir, 'dist', 'agent', f), 'utf8');
      expect(text, f).not.toMatch(/\bCoreV1Api\b|\bKubeConfig\b|\bAjv2020\b/);
      expect(text.match(/[\u0080-\uffff]/g) ?? [], f).toEqual([]);
      expect(text, f).not.toMatch(/^\s*\/\/|\n\t/m);
    }
    const main = await readFile(bundle, 'utf8');
    // The AgentConfig validator is in, and the code runs on names as written.
    expect(main).toMatch(/\bfunction validate20\b/);
    expect(main).toMatch(/\bKubeGrants=class\b/);
  });

  it('leaves its compiled code in the temporary directory for the next start, though a reboot kills it', async () => {
    // The launcher puts Node's compile cache in the temporary directory (the pod's emptyDir /tmp);
    // here a fresh one.
    const tmp = join(dir, 'tmp');
    const { message } = await firstMessage(bundle, { TMPDIR: tmp });
    expect(message.kind).toBe('ready');
    // Killed with SIGKILL (as the reboot ends it) right after `ready`, and still written.
    const files = await readdir(join(tmp, 'patchwindow-compile-cache'), { recursive: true, withFileTypes: true });
    expect(files.filter((f) => f.isFile()).length).toBeGreaterThan(0);
  }, 60_000);
});

describe("the worker's compile cache", () => {
  it("is in the temporary directory (the pod's emptyDir) unless the environment chooses", () => {
    expect(compileCacheDir({}, '/tmp')).toBe('/tmp/patchwindow-compile-cache');
    expect(compileCacheDir({ NODE_COMPILE_CACHE: '/var/cache/pw' }, '/tmp')).toBe('/var/cache/pw');
    expect(compileCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' }, '/tmp')).toBeNull();
  });
});
