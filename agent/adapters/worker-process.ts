// Worker processes of the agent's supervisor: `node agent/worker.ts ARGS` with an IPC channel, the
// same Node binary and environment (NODE_OPTIONS included), standard output and error shared with
// the supervisor (the container's log: a worker's lines do not pass through the supervisor, so none
// is lost or delayed when it is busy or gone). Lines are written whole (one write each), and lines
// up to 4 KiB cannot interleave on a pipe (PIPE_BUF).
//
// The worker starts on the path from the sentinel to the cordon and again after every boot, and
// part of its start is V8 compiling the bundled Kubernetes client: its compiled code is kept on
// disk (Node's compile cache, NODE_COMPILE_CACHE) in the pod's /tmp (an emptyDir, so it survives
// the container's restarts and the node's reboots), unless the environment already chooses
// (NODE_COMPILE_CACHE set, or NODE_DISABLE_COMPILE_CACHE=1). Figures: BENCHMARKS.md (issue 19).
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerEnd, WorkerHandle, WorkerLauncher } from '../supervisor.ts';
import { workerMessage, type WorkerArgs } from '../worker-channel.ts';

export interface WorkerProcessOptions {
  readonly args: WorkerArgs;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default: agent/worker.ts next to this module's directory (worker.js in a build). */
  readonly entry?: string;
}

/** The worker's entry beside the running code: the TypeScript source, or the build's JavaScript. */
export function defaultWorkerEntry(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../worker.${ext}`, import.meta.url));
}

/** The workers' environment: `env`, with Node's compile cache in the temporary directory unless `env` chooses. */
export function workerEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  dir: string = tmpdir(),
): Record<string, string | undefined> {
  if (env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return { ...env };
  return { ...env, NODE_COMPILE_CACHE: join(dir, 'patchwindow-compile-cache') };
}

export function workerProcesses(o: WorkerProcessOptions): WorkerLauncher {
  const entry = o.entry ?? defaultWorkerEntry();
  const env = workerEnvironment(o.env);
  return {
    start(): WorkerHandle {
      const child = spawn(process.execPath, [entry, JSON.stringify(o.args)], {
        env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const ended = new Promise<WorkerEnd>((resolve) => {
        // 'close' comes after the exit and after the IPC channel closed, so after the last message.
        child.once('close', (code, signal) => resolve({ code, signal }));
        child.on('error', (err) => {
          // The process could not be started at all: no 'close' follows. (Other errors, e.g. a
          // kill of a process already gone, change nothing: 'close' tells how it ended.)
          if (child.pid === undefined)
            resolve({ code: null, signal: null, error: `cannot start ${process.execPath} ${entry}: ${err.message}` });
        });
      });
      return {
        pid: child.pid,
        onMessage(listener) {
          child.on('message', (value) => {
            const m = workerMessage(value);
            if (m !== undefined) listener(m);
          });
        },
        send(m) {
          // A channel closing meanwhile is no error here: the worker is gone and 'close' says how.
          if (child.connected) child.send(m, undefined, undefined, () => undefined);
        },
        kill(signal) {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        },
        ended,
      };
    },
  };
}
