// The agent's supervisor: what `patchwindow agent` runs on every node. It keeps the Kubernetes
// client out of the process that stays up: a worker process (agent/worker.ts, the loop with every
// adapter) runs while the node needs a reboot or holds recorded state, and exits once the agent is
// idle; the supervisor then watches the sentinel file's directory (inotify; a sentinel command is
// polled every checkInterval) and starts a worker again the moment the sentinel appears. It serves
// /metrics and /healthz for both, restarts a crashed worker with back-off, forwards SIGTERM/SIGINT,
// and stops with the worker's exit code when the worker finds the setup wrong (1: invalid config,
// 2: the rest). Decision record:
// docs/decisions/0006-light-idle-agent.md.
//
// Cost when idle: no API request at all (not even a watch) and a process without the client (about
// 57 MiB against 120+ for one with it; BENCHMARKS.md). Whatever this module imports, the idle agent
// carries: keep it to node built-ins loaded the cheap way and the agent's own small modules.
import { formatDuration } from '../policy/duration.ts';
import { IoError, messageOf, PolicyError } from '../policy/errors.ts';
import { agentHttpServer, type AgentHttpServer } from './adapters/http.ts';
import { createAgentMetrics, type AgentMetrics } from './adapters/metrics.ts';
import type { MountCheck } from './adapters/sentinel-mount.ts';
import { createAgentLog, type AgentProcessLog } from './log.ts';
import type { SentinelWatch } from './adapters/sentinel-watch.ts';
import { untilRebootRequired } from './sentinel-wait.ts';
import type { Host } from './ports.ts';
import type { Clock } from '../policy/clock.ts';
import type { LogFormat } from '../policy/model.ts';
import { loopLiveness, type Liveness } from './telemetry.ts';
import { applyMetricCall, type SupervisorMessage, type WorkerMessage, type WorkerSettings } from './worker-channel.ts';

/** How a worker process ended (`code` null: killed by `signal`, or it never started: `error`). */
export interface WorkerEnd {
  readonly code: number | null;
  readonly signal: string | null;
  readonly error?: string;
}

/** One worker process, as the supervisor sees it. */
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
}

/** The longest wait before a crashed worker is started again; a worker that ran this long starts the back-off over. */
export const MAX_RESTART_BACKOFF_MS = 60_000;

type Ending =
  | { readonly kind: 'idle' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'fatal'; readonly exitCode: 1 | 2; readonly message: string }
  | { readonly kind: 'crashed'; readonly end: WorkerEnd; readonly ranMs: number };

/**
 * Supervises the agent of `nodeName` until `signal` aborts (resolves 0). A worker's fatal setup
 * problem, or a metrics port that cannot be bound, throws PolicyError (exit 1) or IoError (exit 2).
 */
export async function supervise(o: SupervisorOptions): Promise<number> {
  const s = new Supervisor(o);
  try {
    await s.run();
  } finally {
    await s.close();
  }
  return 0;
}

class Supervisor {
  readonly #o: SupervisorOptions;
  #log: AgentProcessLog;
  #settings: WorkerSettings | undefined;
  #metrics: AgentMetrics | undefined;
  #server: AgentHttpServer | undefined;
  readonly #liveness: Liveness;
  #crashes = 0;
  /** The sentinel mount was checked (once per process: mounts do not change under a running pod). */
  #mountChecked = false;

  constructor(o: SupervisorOptions) {
    this.#o = o;
    this.#liveness = loopLiveness(() => o.clock.now());
    // Until a worker read the config, lines name the node only.
    this.#log = this.#newLog(undefined);
  }

  async run(): Promise<void> {
    const o = this.#o;
    while (!o.signal.aborted) {
      const ending = await this.#runWorker();
      if (ending.kind === 'fatal')
        throw ending.exitCode === 1 ? new PolicyError(ending.message) : new IoError(ending.message);
      if (o.signal.aborted) break;
      if (ending.kind === 'idle') {
        this.#crashes = 0;
        if (!(await this.#mountIsHosts())) continue;
        await untilRebootRequired({
          settings: this.#settings!,
          sentinel: o.sentinel(this.#settings!),
          ...(o.watchSentinel !== undefined ? { watchSentinel: o.watchSentinel } : {}),
          clock: o.clock,
          signal: o.signal,
          log: this.#log,
          rebootRequired: (required) => this.#metrics!.setRebootRequired(required),
          progressed: (byMs) => this.#liveness.progressed(byMs),
        });
      } else if (ending.kind === 'crashed') {
        await this.#backOff(ending);
      }
    }
    this.#log.info({}, 'agent process stopped; its state stays on the Node for the next start');
  }

  async close(): Promise<void> {
    await this.#server?.close();
    this.#server = undefined;
  }

  /** Runs one worker until it is gone; says how it ended. */
  async #runWorker(): Promise<Ending> {
    const o = this.#o;
    const startedMs = o.clock.now();
    const worker = o.launcher.start();
    // A worker has the liveness grace to start and make its first decision.
    this.#liveness.progressed(startedMs);
    let idle = false;
    let fatal: Extract<WorkerMessage, { kind: 'fatal' }> | undefined;
    let ready: Promise<unknown> = Promise.resolve();
    worker.onMessage((m) => {
      switch (m.kind) {
        case 'ready':
          // Settled here, so a port that cannot be bound is not an unhandled rejection meanwhile.
          ready = this.#ready(worker, m.settings).then(
            () => undefined,
            (err: unknown) => err,
          );
          return;
        case 'metric':
          if (this.#metrics !== undefined) applyMetricCall(this.#metrics, m);
          return;
        case 'progress':
          this.#liveness.progressed(m.nextByMs ?? Infinity);
          return;
        case 'idle':
          idle = true;
          return;
        case 'fatal':
          fatal = m;
          return;
      }
    });
    const stop = (): void => worker.kill('SIGTERM');
    o.signal.addEventListener('abort', stop, { once: true });
    if (o.signal.aborted) stop();
    let end: WorkerEnd;
    try {
      end = await worker.ended;
    } finally {
      o.signal.removeEventListener('abort', stop);
    }
    const bindError = await ready;
    // The metrics port could not be bound: the setup is wrong, like an unreadable config.
    if (bindError !== undefined) return { kind: 'fatal', exitCode: 2, message: messageOf(bindError) };
    const ranMs = o.clock.now() - startedMs;
    const how = { worker: worker.pid ?? null, code: end.code, signal: end.signal };
    if (fatal !== undefined) return fatal;
    // Idle needs settings (the sentinel check): a worker that says idle before ready is broken.
    if (idle && end.code === 0 && this.#settings !== undefined) {
      this.#log.info(
        { ...how, idle: true },
        'agent worker exited: the agent is idle; watching for the sentinel without API requests',
      );
      return { kind: 'idle' };
    }
    if (o.signal.aborted) {
      this.#log.info(how, 'agent worker stopped');
      return { kind: 'stopped' };
    }
    return { kind: 'crashed', end, ranMs };
  }

  /** A worker checked its setup: serve /metrics and /healthz (the first time), then let it start. */
  async #ready(worker: WorkerHandle, settings: WorkerSettings): Promise<void> {
    const first = this.#settings === undefined;
    // A later worker may have read a changed config file; its sentinel settings apply from now on.
    this.#settings = settings;
    if (first) {
      this.#log = this.#newLog(settings);
      this.#metrics = createAgentMetrics({
        node: this.#o.nodeName,
        policy: settings.policy,
        processMetrics: this.#o.processMetrics ?? true,
      });
      const server = agentHttpServer({ metrics: this.#metrics, healthy: () => this.#liveness.healthy() });
      const port = await server
        .listen(this.#o.listen.port ?? settings.metricsPort, this.#o.listen.host)
        .catch((err: unknown) => {
          worker.kill('SIGTERM');
          throw err;
        });
      this.#server = server;
      this.#log.info({ port, host: this.#o.listen.host ?? '*' }, `serving /metrics and /healthz on port ${port}`);
      if (this.#o.dryRun)
        this.#log.info(
          { dryRun: true },
          'dry run: the agent says what it would do and never cordons, drains or reboots',
        );
    }
    // Each worker starts from what is recorded on the Node, as a new process always did: no phase,
    // blocker or loop guard of an earlier worker lingers (it tells its own at its first decision).
    this.#metrics!.setPhase(null);
    this.#metrics!.setBlocked([]);
    this.#metrics!.setRebootLoop(false);
    // Logged once the worker read the config, so that every line names the policy.
    this.#log.info({ worker: worker.pid ?? null }, 'agent worker started');
    worker.send({ kind: 'start' });
  }

  /**
   * Once per process, before the first wait: whether the sentinel's directory is the host's. False
   * when it is not: then the worker starts at once and records the SentinelMountWrong Event.
   */
  async #mountIsHosts(): Promise<boolean> {
    const o = this.#o;
    if (this.#mountChecked || !o.checkMount) return true;
    this.#mountChecked = true;
    const mount = await o.checkMount(this.#settings!);
    this.#metrics!.setSentinelMount(mount.kind !== 'wrong');
    if (mount.kind === 'unknown') this.#log.warn({}, `sentinel mount not checked: ${mount.message}`);
    if (mount.kind !== 'wrong') return true;
    this.#log.error({ sentinelMount: 'wrong' }, mount.message);
    return false;
  }

  /** Waits before starting a crashed worker again: 1 s, doubling up to MAX_RESTART_BACKOFF_MS. */
  async #backOff(crash: { readonly end: WorkerEnd; readonly ranMs: number }): Promise<void> {
    if (crash.ranMs >= MAX_RESTART_BACKOFF_MS) this.#crashes = 0;
    this.#crashes++;
    const delayMs = Math.min(MAX_RESTART_BACKOFF_MS, 1_000 * 2 ** (this.#crashes - 1));
    const how =
      crash.end.error ??
      (crash.end.code !== null ? `exit code ${crash.end.code}` : `signal ${crash.end.signal ?? 'unknown'}`);
    this.#log.warn(
      { code: crash.end.code, signal: crash.end.signal, crashes: this.#crashes, restartInMs: delayMs },
      `agent worker ended unexpectedly (${how}); starting it again in ${formatDuration(delayMs)}`,
    );
    const restartMs = this.#o.clock.now() + delayMs;
    this.#liveness.progressed(restartMs);
    await this.#o.clock.sleep(delayMs, this.#o.signal);
  }

  #newLog(settings: WorkerSettings | undefined): AgentProcessLog {
    return createAgentLog({
      level: settings?.logLevel ?? 'info',
      format: this.#o.logFormat ?? settings?.logFormat ?? 'json',
      node: this.#o.nodeName,
      policy: settings?.policy ?? null,
      process: 'supervisor',
      ...(this.#o.writeLog !== undefined ? { write: this.#o.writeLog } : {}),
    });
  }
}
