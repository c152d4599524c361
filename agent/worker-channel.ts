// What the agent's supervisor and its worker say to each other (in the same process, in order:
// agent/adapters/worker-inproc.ts; plain data, as when the worker was a process of its own). The
// worker checks the config and the host, tells the supervisor the few settings it needs (`ready`),
// waits for `start`, then reports every metric update and every promise of progress; it says `idle`
// before it ends because there is nothing to do, or `fatal` before it ends because the setup is
// wrong. Anything else ending it is a crash.
// Both sides import this module: it must stay free of heavy imports (see supervisor.ts).
import type { LogFormat, RebootSettings } from '../policy/model.ts';
import { METRIC_CALLS, type AgentMetricsCalls } from './adapters/metrics.ts';
import type { LogLevel } from '../io/log.ts';
import type { Liveness } from './telemetry.ts';

/** What the worker passes on of the config it checked: all the supervisor needs. */
export interface WorkerSettings {
  readonly policy: string;
  readonly logLevel: LogLevel;
  /** Absent: json. */
  readonly logFormat?: LogFormat;
  readonly checkIntervalMs: number;
  readonly metricsPort: number;
  /** How to check the sentinel (the host adapter's rebootRequired). */
  readonly reboot: Pick<RebootSettings, 'method' | 'command' | 'signal' | 'sentinelFile' | 'sentinelCommand'>;
}

export type WorkerMessage =
  | { readonly kind: 'ready'; readonly settings: WorkerSettings }
  | { readonly kind: 'metric'; readonly call: keyof AgentMetricsCalls; readonly args: readonly unknown[] }
  /** The loop will decide again by `nextByMs` (null: no deadline; JSON has no Infinity). */
  | { readonly kind: 'progress'; readonly nextByMs: number | null }
  | { readonly kind: 'idle' }
  /** The setup is wrong: the supervisor stops with `exitCode` and prints `message`. */
  | { readonly kind: 'fatal'; readonly exitCode: 1 | 2; readonly message: string };

export type SupervisorMessage = { readonly kind: 'start' };

/** How the supervisor starts a worker (argv[2] of the worker, as JSON). */
export interface WorkerArgs {
  readonly configPath: string;
  readonly nodeName: string;
  readonly dryRun: boolean;
  readonly hostRoot: string;
  readonly nsenterPath?: string;
  /** `--log-format` of the command line; wins over the config's agent.logFormat. */
  readonly logFormat?: LogFormat;
}

const KINDS: ReadonlySet<string> = new Set<WorkerMessage['kind']>(['ready', 'metric', 'progress', 'idle', 'fatal']);
const CALLS: ReadonlySet<string> = new Set(METRIC_CALLS);

/**
 * `value` as a message of the worker, or undefined when it is not one (ignored, never trusted): what
 * comes back as JSON, the metric calls of a former image of the process (agent/reexec.ts).
 */
export function workerMessage(value: unknown): WorkerMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.kind !== 'string' || !KINDS.has(m.kind)) return undefined;
  if (m.kind === 'metric' && (typeof m.call !== 'string' || !CALLS.has(m.call) || !Array.isArray(m.args)))
    return undefined;
  if (m.kind === 'ready' && (typeof m.settings !== 'object' || m.settings === null)) return undefined;
  if (m.kind === 'progress' && m.nextByMs !== null && typeof m.nextByMs !== 'number') return undefined;
  if (m.kind === 'fatal' && ((m.exitCode !== 1 && m.exitCode !== 2) || typeof m.message !== 'string')) return undefined;
  return value as WorkerMessage;
}

/** Carries out a worker's metric call on the supervisor's metrics. */
export function applyMetricCall(metrics: AgentMetricsCalls, m: Extract<WorkerMessage, { kind: 'metric' }>): void {
  (metrics[m.call] as (...args: readonly unknown[]) => void)(...m.args);
}

/** A metric call as the channel carries it. */
export type MetricCall = Extract<WorkerMessage, { kind: 'metric' }>;

/**
 * `metrics`, telling `record` of every call: what the supervisor hands to a new image of its
 * process (agent/reexec.ts), so its series read as they did. Each call is kept as the last of its
 * kind (of a format, for a notification given up), which is what the series show.
 */
export function recordingMetrics<T extends AgentMetricsCalls>(metrics: T, kept: Map<string, MetricCall>): T {
  const recorded = { ...metrics };
  for (const call of METRIC_CALLS) {
    const inner = (metrics[call] as (...args: unknown[]) => void).bind(metrics);
    (recorded as Record<string, unknown>)[call] = (...args: unknown[]) => {
      kept.set(call === 'setNotificationFailed' ? `${call}:${String(args[0])}` : call, { kind: 'metric', call, args });
      inner(...args);
    };
  }
  return recorded;
}

/** The worker's metrics: every call goes to the supervisor, which keeps the series. */
export function metricsOverChannel(send: (m: WorkerMessage) => void): AgentMetricsCalls {
  return Object.fromEntries(
    METRIC_CALLS.map((call) => [call, (...args: unknown[]) => send({ kind: 'metric', call, args })]),
  ) as unknown as AgentMetricsCalls;
}

/** The worker's liveness: its loop's promises go to the supervisor, which answers /healthz. */
export function livenessOverChannel(send: (m: WorkerMessage) => void): Liveness {
  return {
    progressed: (nextByMs) => send({ kind: 'progress', nextByMs: Number.isFinite(nextByMs) ? nextByMs : null }),
    // Asked by the supervisor, never here.
    healthy: () => true,
  };
}
