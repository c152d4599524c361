// The agent's worker in the agent's own process (docs/decisions/0010-one-agent-process.md): the
// first time the node needs it, the supervisor imports the worker's module (agent/worker.ts, in a
// build the one bundled file) and runs agentWorker with a channel of the same messages as before,
// passed in memory. One process per node: a waiting agent holds the supervisor and the worker's
// code once, not two Node runtimes. The supervisor sheds the worker's memory when the agent is idle
// again by executing itself anew (agent/reexec.ts).
import { createRequire } from 'node:module';
import type * as NodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerEnd, WorkerHandle, WorkerLauncher } from '../supervisor.ts';
import type { SupervisorMessage, WorkerArgs, WorkerMessage } from '../worker-channel.ts';
import { IoError, messageOf, PolicyError, UsageError } from '../../policy/errors.ts';

const { enableCompileCache, flushCompileCache } = createRequire(import.meta.url)('node:module') as typeof NodeModule;

/** What a worker ended by an error it did not expect returns (EX_SOFTWARE); the supervisor starts it again. */
export const CRASH_EXIT = 70;

export interface InProcessWorkerOptions {
  readonly args: WorkerArgs;
  /** The worker's environment: KUBECONFIG or KUBERNETES_SERVICE_HOST, PATCHWINDOW_HOST_FS. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default: agent/worker.ts beside this module's directory (worker.js, the bundle, in a build). */
  readonly entry?: string;
  /** Where a stack-free line about an unexpected failure goes (default: standard error). */
  readonly writeError?: (line: string) => void;
}

/** The worker module's one export. */
interface WorkerModule {
  readonly agentWorker: (o: Record<string, unknown>) => Promise<'idle' | 'stopped'>;
}

/** The worker's module beside the running code: the TypeScript source, or the build's bundle. */
function defaultWorkerEntry(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../worker.${ext}`, import.meta.url));
}

/**
 * Node's compile cache for the worker's code, in the temporary directory (the pod's emptyDir /tmp,
 * which outlives the container's restarts and the node's reboots) unless the environment chooses.
 */
export function compileCacheDir(env: Readonly<Record<string, string | undefined>>, dir = tmpdir()): string | null {
  if (env.NODE_DISABLE_COMPILE_CACHE !== undefined) return null;
  return env.NODE_COMPILE_CACHE ?? join(dir, 'patchwindow-compile-cache');
}

/** Runs workers in this process; `loaded()` says whether the worker's code was imported. */
export function inProcessWorkers(o: InProcessWorkerOptions): WorkerLauncher & { loaded(): boolean } {
  const entry = o.entry ?? defaultWorkerEntry();
  const writeError = o.writeError ?? ((line: string) => process.stderr.write(line));
  let loaded = false;
  let module: Promise<WorkerModule> | undefined;
  const load = (): Promise<WorkerModule> => {
    if (module === undefined) {
      const cache = compileCacheDir(o.env);
      if (cache !== null) enableCompileCache(cache);
      loaded = true;
      module = import(entry) as Promise<WorkerModule>;
    }
    return module;
  };
  return {
    loaded: () => loaded,
    start(): WorkerHandle {
      const listeners: ((m: WorkerMessage) => void)[] = [];
      const stop = new AbortController();
      let start: (() => void) | undefined;
      const startSent = new Promise<void>((resolve) => (start = resolve));
      // Delivered at once and in order.
      const say = (m: WorkerMessage): void => {
        // The code compiled so far goes to the cache now: a reboot ends the process without more.
        if (m.kind === 'ready') flushCompileCache();
        for (const l of listeners) l(m);
      };
      const supervisor = {
        send: say,
        started: (signal: AbortSignal): Promise<boolean> =>
          signal.aborted
            ? Promise.resolve(false)
            : Promise.race([
                startSent.then(() => true),
                new Promise<boolean>((resolve) =>
                  signal.addEventListener('abort', () => resolve(false), { once: true }),
                ),
              ]),
      };
      const ended = (async (): Promise<WorkerEnd> => {
        try {
          const { agentWorker } = await load();
          const outcome = await agentWorker({ ...o.args, env: o.env, signal: stop.signal, supervisor });
          if (outcome === 'idle') say({ kind: 'idle' });
          return { code: 0, signal: null };
        } catch (err: unknown) {
          if (err instanceof PolicyError) return fatal(say, 1, err.message);
          if (err instanceof IoError || err instanceof UsageError) return fatal(say, 2, err.message);
          writeError(
            `patchwindow: the agent worker failed unexpectedly: ${messageOf(err)}\n  this is a bug; please report it\n`,
          );
          return { code: CRASH_EXIT, signal: null, error: `failed unexpectedly: ${messageOf(err)}` };
        }
      })();
      return {
        pid: process.pid,
        onMessage: (listener) => void listeners.push(listener),
        send(m: SupervisorMessage) {
          if (m.kind === 'start') start?.();
        },
        // SIGTERM and SIGKILL both stop it at its next step: its state stays on the Node.
        kill: () => stop.abort(),
        ended,
      };
    },
  };
}

function fatal(say: (m: WorkerMessage) => void, exitCode: 1 | 2, message: string): WorkerEnd {
  say({ kind: 'fatal', exitCode, message });
  return { code: exitCode, signal: null };
}
