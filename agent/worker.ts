// Entry of the agent's worker process, `node agent/worker.ts '<WorkerArgs as JSON>'`: started by the
// supervisor (agent/supervisor.ts) with an IPC channel, never by hand. Runs agentWorker (main.ts),
// then says how it ended: `idle` (nothing to do; exit 0), `fatal` (the setup is wrong; exit 1 for
// an invalid config, 2 for the rest, the supervisor prints the message and stops with that code),
// or nothing (stopped by SIGTERM/SIGINT: exit 0; anything else is a crash the supervisor restarts).
import { flushCompileCache } from 'node:module';
import { agentWorker, type SupervisorLink } from './main.ts';
import type { WorkerArgs, WorkerMessage } from './worker-channel.ts';
import { IoError, messageOf, PolicyError, UsageError } from '../policy/errors.ts';

/** Exit code of a worker that met what it did not expect (EX_SOFTWARE); the supervisor restarts it. */
const CRASH_EXIT = 70;

const send = process.send?.bind(process);
if (send === undefined) {
  process.stderr.write('patchwindow: the agent worker runs only under `patchwindow agent`, which starts it\n');
  process.exit(2);
}

// The supervisor is gone (killed, out of memory): its worker must not go on alone, or the next
// supervisor (the kubelet restarts the container) would run a second worker on the same node. It
// exits at once, as the single agent process did when it was killed; the state on the Node is
// made for that (docs/decisions/0003-state-on-the-node.md).
const onDisconnect = (): never => process.exit(CRASH_EXIT);
process.on('disconnect', onDisconnect);

const controller = new AbortController();
process.once('SIGTERM', () => controller.abort());
process.once('SIGINT', () => controller.abort());

const supervisor: SupervisorLink = {
  send(m) {
    // The code compiled so far goes to the compile cache the supervisor chose
    // (adapters/worker-process.ts) before `ready`: Node writes it only once this module's top-level
    // await is over, which the reboot this worker runs (SIGKILL) never lets happen.
    if (m.kind === 'ready') flushCompileCache();
    // The channel may close at any time (the supervisor died); 'disconnect' ends the process.
    if (process.connected) send(m);
  },
  started: (signal) =>
    new Promise((resolve) => {
      const done = (started: boolean): void => {
        process.off('message', onMessage);
        signal.removeEventListener('abort', onAbort);
        resolve(started);
      };
      const onMessage = (m: unknown): void => {
        if (typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'start') done(true);
      };
      const onAbort = (): void => done(false);
      if (signal.aborted) return resolve(false);
      process.on('message', onMessage);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Tells the supervisor `m`, then exits with `code` once the message is written. */
const sayAndExit = (m: WorkerMessage, code: number): void => {
  if (!process.connected) process.exit(code);
  send(m, undefined, undefined, () => process.exit(code));
};

async function run(): Promise<void> {
  let args: WorkerArgs;
  try {
    args = JSON.parse(process.argv[2] ?? '') as WorkerArgs;
  } catch (err: unknown) {
    return sayAndExit(
      { kind: 'fatal', exitCode: 2, message: `the agent worker got no arguments it can read (${messageOf(err)})` },
      2,
    );
  }
  try {
    const outcome = await agentWorker({ ...args, env: process.env, signal: controller.signal, supervisor });
    if (outcome === 'idle') return sayAndExit({ kind: 'idle' }, 0);
    // Stopped: Events still in flight get a second, as the single agent process gave them.
    process.off('disconnect', onDisconnect);
    process.channel?.unref();
    setTimeout(() => process.exit(0), 1_000).unref();
  } catch (err: unknown) {
    if (err instanceof PolicyError) return sayAndExit({ kind: 'fatal', exitCode: 1, message: err.message }, 1);
    if (err instanceof IoError || err instanceof UsageError)
      return sayAndExit({ kind: 'fatal', exitCode: 2, message: err.message }, 2);
    process.stderr.write(
      `patchwindow: the agent worker failed unexpectedly: ${messageOf(err)}\n  this is a bug; please report it\n`,
    );
    process.exit(CRASH_EXIT);
  }
}

await run();
