// A real `patchwindow agent` process, as the DaemonSet runs it (NODE_NAME, PATCHWINDOW_HOST_ROOT,
// the config file), with a kubeconfig instead of the in-pod ServiceAccount, the test's fake
// nsenter, and /metrics on a random loopback port. Its JSON log lines are kept in memory: the
// supervisor's and its workers' (they share its standard output). Killing it waits until its
// workers are gone too, and fails when one outlives it (an orphan would act on the node alone).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { jsonLines } from './json-lines.ts';

const BIN = fileURLToPath(new URL('../../bin/patchwindow.js', import.meta.url));

export interface AgentProcessOptions {
  readonly node: string;
  readonly configPath: string;
  readonly kubeconfigPath: string;
  readonly hostRoot: string;
  readonly nsenter: string;
  readonly dryRun?: boolean;
  readonly extraArgs?: readonly string[];
  /** The entry script (default bin/patchwindow.js, which runs the TypeScript sources). */
  readonly bin?: string;
  /** Runs `patchwindow` through this command instead (e.g. inside the built image); `bin` is then unused. */
  readonly launcher?: { readonly file: string; readonly args: readonly string[] };
}

export interface AgentProcess {
  readonly node: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr. */
  output(): string;
  /** The JSON log lines. */
  logs(): Record<string, unknown>[];
  /** Resolves with the exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  /** The port of /metrics and /healthz once the agent serves them. */
  metricsPort(): number | undefined;
  /** Pids of the worker processes the supervisor started so far (from its log), oldest first. */
  workers(): number[];
  /** Kills the process (SIGKILL unless told otherwise) and waits until it and its workers are gone. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** How long a worker may outlive its killed supervisor before the test calls it an orphan. */
const ORPHAN_LIMIT_MS = 10_000;

export function spawnAgent(o: AgentProcessOptions): AgentProcess {
  const args = [
    o.bin ?? BIN,
    'agent',
    '--config',
    o.configPath,
    '--listen',
    '127.0.0.1:0',
    '--nsenter',
    o.nsenter,
    ...(o.dryRun ? ['--dry-run'] : []),
    ...(o.extraArgs ?? []),
  ];
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_NAME: o.node,
    PATCHWINDOW_HOST_ROOT: o.hostRoot,
    PATCHWINDOW_HOST_FS: o.hostRoot,
    KUBECONFIG: o.kubeconfigPath,
  };
  delete env.PATCHWINDOW_NSENTER;
  const [file, argv] =
    o.launcher === undefined ? [process.execPath, args] : [o.launcher.file, [...o.launcher.args, ...args.slice(1)]];
  const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const logs = (): Record<string, unknown>[] => jsonLines(out);
  return {
    node: o.node,
    child,
    output: () => out,
    logs,
    exited,
    // The last port said: a process executed anew (decision 10) binds again, on another port when given 0.
    metricsPort: () => logs().findLast((l) => typeof l.port === 'number')?.port as number | undefined,
    workers: () =>
      logs().flatMap((l) =>
        l.process === 'supervisor' && typeof l.worker === 'number' && l.msg === 'agent worker started'
          ? [l.worker]
          : [],
      ),
    async kill(signal = 'SIGKILL') {
      // Its workers are its children, found before the signal: once the supervisor is gone they
      // belong to init. (Pids from the log are not used: an old worker's pid may have been reused.)
      const pids = child.pid === undefined ? [] : await childPids(child.pid);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const how = await exited;
      for (let waitedMs = 0; pids.some(running); waitedMs += 50) {
        if (waitedMs >= ORPHAN_LIMIT_MS)
          throw new Error(
            `agent of ${o.node}: worker ${pids.filter(running).join(', ')} still runs ${ORPHAN_LIMIT_MS} ms after its supervisor ended (${how})`,
          );
        await sleep(50);
      }
      return how;
    },
  };
}

/** Whether process `pid` runs (a zombie, dead but not yet reaped by its parent, does not). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids whose parent is `pid` (Linux /proc). */
export async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(entry));
  }
  return out;
}
