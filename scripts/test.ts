// `npm test` after lint and typecheck: vitest's projects side by side, one vitest process each —
// `unit` (no cluster), `cluster` and `faults` (each with a control plane of its own; see
// vitest.config.ts). In one process vitest cannot do that: it runs a project without file
// parallelism only after every other project is done, and the files of all such projects one at a
// time. `unit` starts once the control plane is built: on a cold machine its build takes both cores
// for minutes, every cluster file waits for it, and unit tests beside it would only slow it down.
// Each line of output is prefixed with its project; the exit code is 0 only when every project
// passed. With arguments (`npm test -- <files or vitest options>`) it is one plain `vitest run`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { resolveBinaries } from '../test/testenv/binaries.ts';
import config from '../vitest.config.ts';

const ROOT = resolve(import.meta.dirname, '..');
const VITEST = resolve(ROOT, 'node_modules/vitest/vitest.mjs');
/** The project that needs no control plane. */
const UNIT = 'unit';

/** The projects of vitest.config.ts, in its order. */
export function projectNames(): string[] {
  return (config.test?.projects ?? []).map((p) => {
    const name = typeof p === 'object' && 'test' in p ? p.test?.name : undefined;
    if (typeof name !== 'string') throw new Error('vitest.config.ts: every project needs a test.name');
    return name;
  });
}

interface Lane {
  readonly name: string;
  readonly child: ChildProcess;
  /** Settles when the lane's vitest exited (listened for from its start: it may exit early). */
  readonly finished: Promise<{ name: string; code: number; seconds: number }>;
}

function startLane(name: string, width: number): Lane {
  const env = { ...process.env, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) };
  const child = spawn(process.execPath, [VITEST, 'run', '--project', name], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const prefix = `${name.padEnd(width)} | `;
  createInterface({ input: child.stdout }).on('line', (line) => process.stdout.write(prefix + line + '\n'));
  createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(prefix + line + '\n'));
  const started = Date.now();
  const finished = (once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => ({
    name,
    code: code ?? (signal !== null ? 1 : 0),
    seconds: Math.round((Date.now() - started) / 1000),
  }));
  return { name, child, finished };
}

/**
 * Resolves once the control plane's binaries are there (the harness's own resolveBinaries: on a warm
 * cache it only checks them; on a cold one it builds them, or waits for the cluster project that
 * does). Whether it worked the cluster projects report; the unit project starts either way.
 */
async function controlPlaneBuilt(): Promise<void> {
  await resolveBinaries().catch(() => undefined);
}

async function main(args: string[]): Promise<number> {
  if (args.length > 0) {
    const child = spawn(process.execPath, [VITEST, 'run', ...args], { stdio: 'inherit' });
    const [code] = (await once(child, 'close')) as [number | null];
    return code ?? 1;
  }
  const names = projectNames();
  const width = Math.max(...names.map((n) => n.length));
  const lanes = names.filter((n) => n !== UNIT).map((name) => startLane(name, width));
  let stopping: NodeJS.Signals | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      stopping = signal;
      lanes.forEach((l) => l.child.kill(signal));
    });
  if (names.includes(UNIT)) {
    await controlPlaneBuilt();
    if (stopping === undefined) {
      console.log(`npm test: the control plane is built; ${UNIT} starts`);
      lanes.push(startLane(UNIT, width));
    }
  }
  const results = await Promise.all(lanes.map((l) => l.finished));
  const line = results.map((r) => `${r.name} ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
  console.log(`\nnpm test: ${line.join('; ')}`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
