// What the agent's supervisor (supervisor.ts) is given: how it starts a worker, what a worker says
// it ended with, its options, and what a new image of its process resumes from (reexec.ts).
import type { MountCheck } from './adapters/sentinel-mount.ts';
import type { SentinelWatch } from './adapters/sentinel-watch.ts';
import type { Host } from './ports.ts';
import type { Clock } from '../policy/clock.ts';
import type { LogFormat } from '../policy/model.ts';
import type { MetricCall, SupervisorMessage, WorkerMessage, WorkerSettings } from './worker-channel.ts';

/** How a worker ended, as a process's exit (`code` 0 idle or stopped, 1 or 2 fatal, 70 a crash; `error`: why). */
export interface WorkerEnd {
  readonly code: number | null;
  readonly signal: string | null;
  readonly error?: string;
}

/** One worker, as the supervisor sees it. */
export interface WorkerHandle {
  readonly pid: number | undefined;
  /** `listener` gets every message of the worker, in order. */
  onMessage(listener: (m: WorkerMessage) => void): void;
  send(m: SupervisorMessage): void;
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** Resolves once the worker is gone, after its last message. */
  readonly ended: Promise<WorkerEnd>;
}

/** Starts worker processes (adapters/worker-process.ts; tests pass fakes). */
export interface WorkerLauncher {
  start(): WorkerHandle;
}

export interface SupervisorOptions {
  readonly nodeName: string;
  readonly dryRun: boolean;
  /** Address of /metrics and /healthz; the port defaults to the config's agent.metricsPort. */
  readonly listen: { readonly host?: string; readonly port?: number };
  readonly launcher: WorkerLauncher;
  /** The sentinel check for the settings a worker checked (the host adapter's). */
  readonly sentinel: (settings: WorkerSettings) => Pick<Host, 'rebootRequired'>;
  /** Whether the sentinel's directory is the host's (adapters/sentinel-mount.ts); default: not checked. */
  readonly checkMount?: (settings: WorkerSettings) => Promise<MountCheck>;
  /**
   * Starts a watch of the directory of the sentinel file (its host path; adapters/sentinel-watch.ts).
   * Throws when it cannot watch; missing: poll only.
   */
  readonly watchSentinel?: (sentinelFile: string) => SentinelWatch;
  readonly clock: Clock;
  /** Writes one log line (default stdout). */
  readonly writeLog?: (line: string) => void;
  /** `--log-format` of the command line; wins over the config's. Default: the config's, else json. */
  readonly logFormat?: LogFormat;
  /** The process's CPU and memory series on /metrics (default true). */
  readonly processMetrics?: boolean;
  /** SIGTERM/SIGINT: forwarded to the worker; the supervisor stops once it is gone. */
  readonly signal: AbortSignal;
  /** The process was executed anew from an idle agent: it waits for the sentinel before any worker. */
  readonly resume?: ResumeState;
  /**
   * Called once a worker said idle, to give back the memory its code took: executes the process
   * anew with `state` and so does not return; false when it could not (the agent goes on as it is).
   */
  readonly shed?: (state: ResumeState) => boolean;
}

/** The longest wait before a crashed worker is started again; a worker that ran this long starts the back-off over. */
/**
 * What a new image of the agent's process starts from after an idle worker (agent/reexec.ts): the
 * last worker's settings, whether the sentinel mount was checked, and the series as they were.
 */
export interface ResumeState {
  readonly settings: WorkerSettings;
  readonly mountChecked: boolean;
  readonly metrics: readonly MetricCall[];
}
