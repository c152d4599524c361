// A real `patchwindow coordinator` process, started with the arguments of the rendered Deployment's
// container (reconciler/render/coordinator.ts) but the config directory, listen address and
// identity of the test, and a kubeconfig of the rendered coordinator ServiceAccount instead of the
// in-pod credentials. Its JSON log lines are kept in memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsonLines } from './json-lines.ts';

const BIN = fileURLToPath(new URL('../../bin/patchwindow.js', import.meta.url));

export interface CoordinatorProcessOptions {
  /** The rendered container command (`patchwindow coordinator --config-dir ... --listen ...`). */
  readonly command: readonly string[];
  readonly configDir: string;
  readonly kubeconfigPath: string;
  readonly identity: string;
  /** Extra arguments (shorter leader election for tests of a leader's death). */
  readonly extraArgs?: readonly string[];
  /** The entry script (default bin/patchwindow.js, which runs the TypeScript sources). */
  readonly bin?: string;
}

export interface CoordinatorProcess {
  readonly identity: string;
  readonly child: ChildProcess;
  output(): string;
  logs(): Record<string, unknown>[];
  readonly exited: Promise<number | string>;
  /** Whether it said it leads (its last leadership log line). */
  leading(): boolean;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** The rendered command with the test's config directory and a loopback listen address. */
function argsOf(o: CoordinatorProcessOptions): string[] {
  const [binary, command, ...rest] = o.command;
  if (binary !== 'patchwindow' || command !== 'coordinator')
    throw new Error(`not a coordinator command: ${o.command.join(' ')}`);
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === '--config-dir') args.push(flag, o.configDir);
    else if (flag === '--listen') args.push(flag, '127.0.0.1:0');
    else args.push(flag, rest[i + 1]!);
    i++;
  }
  return [
    o.bin ?? BIN,
    'coordinator',
    ...args,
    '--identity',
    o.identity,
    '--log-level',
    'debug',
    ...(o.extraArgs ?? []),
  ];
}

export function spawnCoordinator(o: CoordinatorProcessOptions): CoordinatorProcess {
  const env: Record<string, string | undefined> = { ...process.env, KUBECONFIG: o.kubeconfigPath };
  const child = spawn(process.execPath, argsOf(o), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const logs = (): Record<string, unknown>[] => jsonLines(out);
  return {
    identity: o.identity,
    child,
    output: () => out,
    logs,
    exited,
    leading: () =>
      logs()
        .filter((l) => typeof l.leading === 'boolean')
        .at(-1)?.leading === true,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
