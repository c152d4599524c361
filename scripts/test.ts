// `npm test` after lint and typecheck: vitest's projects side by side, one vitest process each —
// `unit` (no cluster), `cluster` and `faults` (each with a control plane of its own; see
// vitest.config.ts). In one process vitest cannot do that: it runs a project without file
// parallelism only after every other project is done, and the files of all such projects one at a
// time. Each line of output is prefixed with its project; the exit code is 0 only when every project
// passed. With arguments (`npm test -- <files or vitest options>`) it is one plain `vitest run`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import config from '../vitest.config.ts';

const VITEST = resolve(import.meta.dirname, '../node_modules/vitest/vitest.mjs');

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
  readonly started: number;
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
  return { name, child, started: Date.now() };
}

async function finished(lane: Lane): Promise<{ name: string; code: number; seconds: number }> {
  const [code, signal] = (await once(lane.child, 'close')) as [number | null, NodeJS.Signals | null];
  const seconds = Math.round((Date.now() - lane.started) / 1000);
  return { name: lane.name, code: code ?? (signal !== null ? 1 : 0), seconds };
}

async function main(args: string[]): Promise<number> {
  if (args.length > 0) {
    const child = spawn(process.execPath, [VITEST, 'run', ...args], { stdio: 'inherit' });
    const [code] = (await once(child, 'close')) as [number | null];
    return code ?? 1;
  }
  const names = projectNames();
  const width = Math.max(...names.map((n) => n.length));
  const lanes = names.map((name) => startLane(name, width));
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => lanes.forEach((l) => l.child.kill(signal)));
  const results = await Promise.all(lanes.map(finished));
  const line = results.map((r) => `${r.name} ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
  console.log(`\nnpm test: ${line.join('; ')}`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
