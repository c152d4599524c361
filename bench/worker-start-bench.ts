// `node bench/worker-start-bench.ts [RUNS]` (default 10): how long a fresh process running the
// agent's launcher (agent/adapters/worker-inproc.ts) takes from its spawn until the worker says
// `ready` (modules loaded, config and host checked), the worker compiled as tsc writes it (one file
// per module) against the build's bundle (scripts/bundle-worker.ts), and the bundle with Node's
// compile cache filled by an earlier start as the launcher enables it, alternating so all three see
// the same load. Issue 19: the worker is loaded when a sentinel appears and after every boot. The
// CPU figure is the process's (utime + stime from /proc when the worker said ready).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleWorker } from '../scripts/bundle-worker.ts';
import { testConfig } from '../test/fakes/config.ts';
import { SimulatedHost } from '../test/helpers/agent-host.ts';
import { compileInto } from './compile.ts';
import { percentile } from './stats.ts';

const runs = Number(process.argv[2] ?? 10);
const outDir = compileInto('worker-start-dist');
const bundled = join(outDir, 'agent', 'worker-bundled.js');
await bundleWorker(bundled);

const dir = await mkdtemp(join(tmpdir(), 'patchwindow-worker-start-'));
const host = await SimulatedHost.create('n1', join(dir, 'host'));
const configPath = join(dir, 'config.json');
await writeFile(configPath, JSON.stringify(testConfig()));
await mkdir(dir, { recursive: true });
await writeFile(
  join(dir, 'kubeconfig'),
  'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: c, context: { cluster: c, user: u } }]\ncurrent-context: c\n',
);

const compileCache = join(dir, 'compile-cache');

const LAUNCHER = fileURLToPath(new URL('../agent/adapters/worker-inproc.ts', import.meta.url));

/**
 * One worker from `entry` until `ready`, in a fresh process running the agent's launcher (as the
 * agent after a boot): wall ms from the spawn and the process's CPU ms.
 */
async function once(entry: string, cached: boolean): Promise<{ wallMs: number; cpuMs: number }> {
  const t0 = performance.now();
  const args = { configPath, nodeName: 'n1', dryRun: true, hostRoot: host.root, nsenterPath: host.nsenter };
  const script = `
    const { inProcessWorkers } = await import(${JSON.stringify(LAUNCHER)});
    const worker = inProcessWorkers({ entry: ${JSON.stringify(entry)}, args: ${JSON.stringify(args)}, env: process.env }).start();
    worker.onMessage((m) => process.stdout.write(JSON.stringify(m) + '\\n'));
    worker.ended.then((end) => process.stdout.write(JSON.stringify({ ended: end }) + '\\n'));
  `;
  const child = spawn(process.execPath, ['--max-semi-space-size=1', '--input-type=module', '-e', script], {
    // Node's compile cache as the launcher sets it (in the temporary directory), or none.
    env: {
      ...process.env,
      KUBECONFIG: join(dir, 'kubeconfig'),
      ...(cached ? { NODE_COMPILE_CACHE: compileCache } : { NODE_DISABLE_COMPILE_CACHE: '1' }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', (line) =>
        (JSON.parse(line) as { kind?: string }).kind === 'ready' ? resolve() : reject(new Error(line)),
      );
      child.once('exit', (code) => reject(new Error(`the process ended (${code}) before ready`)));
    });
    const wallMs = performance.now() - t0;
    const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime in clock ticks of 1/100 s (USER_HZ).
    return { wallMs, cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
  }
}

const entries = {
  files: { entry: join(outDir, 'agent', 'worker.js'), cached: false },
  bundled: { entry: bundled, cached: false },
  bundledCompileCache: { entry: bundled, cached: true },
};
const seen: Record<string, { wall: number[]; cpu: number[] }> = {
  files: { wall: [], cpu: [] },
  bundled: { wall: [], cpu: [] },
  bundledCompileCache: { wall: [], cpu: [] },
};
const loadStart = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
// The first worker on a node fills the compile cache (written when it is ready): not counted.
await once(bundled, true);
for (let i = 0; i < runs; i++) {
  for (const [name, { entry, cached }] of Object.entries(entries)) {
    const r = await once(entry, cached);
    seen[name]!.wall.push(Math.round(r.wallMs));
    seen[name]!.cpu.push(r.cpuMs);
  }
}
await rm(dir, { recursive: true, force: true });
const stat = (v: number[]) => ({ p50: percentile(v, 50), p95: percentile(v, 95), max: percentile(v, 100) });
console.log(
  JSON.stringify({
    bench: 'worker-start',
    command: `node bench/worker-start-bench.ts ${runs}`,
    loadAverage: { start: loadStart, end: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ') },
    spawnToReadyMs: Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, stat(v.wall)])),
    cpuMsAtReady: Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, stat(v.cpu)])),
  }),
);
