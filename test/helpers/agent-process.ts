// A real `patchwindow agent` process, as the DaemonSet runs it (NODE_NAME, PATCHWINDOW_HOST_ROOT,
// the config file), with a kubeconfig instead of the in-pod ServiceAccount, the test's fake
// nsenter, and /metrics on a random loopback port. Its JSON log lines are kept in memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
  /** Kills the process (SIGKILL unless told otherwise) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnAgent(o: AgentProcessOptions): AgentProcess {
  const args = [o.bin ?? BIN, 'agent', '--config', o.configPath, '--listen', '127.0.0.1:0', '--nsenter', o.nsenter, ...(o.dryRun ? ['--dry-run'] : []), ...(o.extraArgs ?? [])];
  const env: Record<string, string | undefined> = { ...process.env, NODE_NAME: o.node, PATCHWINDOW_HOST_ROOT: o.hostRoot, KUBECONFIG: o.kubeconfigPath };
  delete env.PATCHWINDOW_NSENTER;
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const logs = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    node: o.node,
    child,
    output: () => out,
    logs,
    exited,
    metricsPort: () => logs().find((l) => typeof l.port === 'number')?.port as number | undefined,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
