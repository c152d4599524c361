// Wiring of `patchwindow agent`: the supervisor (supervisor.ts) with its worker run in the same
// process, executed anew once the worker is idle, the host adapter's sentinel check and the system
// clock. Only light modules: this is the process that stays up on every node
// (docs/decisions/0006-light-idle-agent.md, 0010-one-agent-process.md).
import { posix } from 'node:path';
import { createHost } from './adapters/host.ts';
import { checkSentinelMount } from './adapters/sentinel-mount.ts';
import { watchSentinelFile } from './adapters/sentinel-watch.ts';
import { inProcessWorkers } from './adapters/worker-inproc.ts';
import { executeAnew, resumeStateOf, withoutResume } from './reexec.ts';
import { systemClock } from '../io/clock.ts';
import { supervise } from './supervisor.ts';
import type { WorkerArgs } from './worker-channel.ts';

export interface AgentMainOptions extends WorkerArgs {
  /** Address of /metrics and /healthz; the port defaults to the config's agent.metricsPort. */
  readonly listen: { readonly host?: string; readonly port?: number };
  /** The workers' environment (KUBECONFIG or KUBERNETES_SERVICE_HOST, NODE_OPTIONS...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborts on SIGTERM/SIGINT: the worker stops cleanly, its state stays on the Node. */
  readonly signal: AbortSignal;
}

/** Runs the agent until `signal` aborts; resolves 0. Setup problems throw (PolicyError, IoError). */
export function agentMain(o: AgentMainOptions): Promise<number> {
  const { configPath, nodeName, dryRun, hostRoot, nsenterPath, logFormat } = o;
  const resume = resumeStateOf(o.env);
  const env = withoutResume(o.env);
  const launcher = inProcessWorkers({
    args: {
      configPath,
      nodeName,
      dryRun,
      hostRoot,
      ...(nsenterPath !== undefined ? { nsenterPath } : {}),
      ...(logFormat !== undefined ? { logFormat } : {}),
    },
    env,
  });
  return supervise({
    nodeName,
    dryRun,
    ...(logFormat !== undefined ? { logFormat } : {}),
    listen: o.listen,
    launcher,
    ...(resume !== undefined ? { resume } : {}),
    // Only a process that imported the worker's code has memory to give back.
    shed: (state) => launcher.loaded() && executeAnew(state, env),
    sentinel: (settings) =>
      createHost({ ...settings.reboot, hostRoot, ...(nsenterPath !== undefined ? { nsenterPath } : {}) }),
    // PATCHWINDOW_HOST_FS: where the host's own root is seen (default /proc/1/root; tests give their fake host).
    checkMount: (settings) =>
      settings.reboot.sentinelFile === null
        ? Promise.resolve({ kind: 'ok' as const })
        : checkSentinelMount({
            hostRoot,
            sentinelFile: settings.reboot.sentinelFile,
            ...(o.env.PATCHWINDOW_HOST_FS ? { hostFs: o.env.PATCHWINDOW_HOST_FS } : {}),
          }),
    // The host's directory of the sentinel is mounted at its own path under hostRoot.
    watchSentinel: (sentinelFile) => watchSentinelFile(posix.join(hostRoot, sentinelFile)),
    clock: systemClock,
    signal: o.signal,
  });
}
