// The agent's supervisor: what `patchwindow agent` runs on every node. It keeps the worker's code
// out of the process while the agent is idle: a worker (agent/worker.ts, the loop with every
// adapter; run in this same process, agent/adapters/worker-inproc.ts) runs while the node needs a
// reboot or holds recorded state, and ends once the agent is idle; the process then executes itself
// anew without it (`shed`, agent/reexec.ts) and watches the sentinel file's directory (inotify; a
// sentinel command is polled every checkInterval), starting a worker again the moment the sentinel
// appears. It serves /metrics and /healthz for both, restarts a crashed worker with back-off, stops
// it on SIGTERM/SIGINT, and stops with exit 1 or 2 when the worker finds the setup wrong (1: invalid
// config, 2: the rest). Decision records: docs/decisions/0006-light-idle-agent.md,
// 0010-one-agent-process.md.
//
// Cost when idle: no API request at all (not even a watch) and a process without the worker's code
// (about 57 MiB; BENCHMARKS.md). Whatever this module imports, the idle agent carries: keep it to
// node built-ins loaded the cheap way and the agent's own small modules.
import { formatDuration } from '../policy/duration.ts';
import { IoError, messageOf, PolicyError } from '../policy/errors.ts';
import { agentHttpServer, type AgentHttpServer } from './adapters/http.ts';
import { createAgentMetrics, type AgentMetrics } from './adapters/metrics.ts';
import { createAgentLog, type AgentProcessLog } from './log.ts';
import { untilRebootRequired } from './sentinel-wait.ts';
import { loopLiveness, type Liveness } from './telemetry.ts';
import {
  applyMetricCall,
  recordingMetrics,
  type MetricCall,
  type WorkerMessage,
  type WorkerSettings,
} from './worker-channel.ts';

import type { ResumeState, SupervisorOptions, WorkerEnd, WorkerHandle } from './supervisor-ports.ts';

export type { ResumeState, SupervisorOptions, WorkerEnd, WorkerHandle, WorkerLauncher } from './supervisor-ports.ts';

export const MAX_RESTART_BACKOFF_MS = 60_000;

/** What a new image of the process says once it resumed idle (agent/reexec.ts). */
export const IDLE_ANEW = 'agent process executed anew: idle; watching for the sentinel without API requests';

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
  /** Every metric call's last, for a new image of the process (ResumeState). */
  readonly #metricCalls = new Map<string, MetricCall>();

  constructor(o: SupervisorOptions) {
    this.#o = o;
    this.#liveness = loopLiveness(() => o.clock.now());
    // Until a worker read the config, lines name the node only.
    this.#log = this.#newLog(undefined);
  }

  async run(): Promise<void> {
    const o = this.#o;
    let resumed = o.resume !== undefined && (await this.#resume(o.resume));
    while (!o.signal.aborted) {
      const ending: Ending = resumed ? { kind: 'idle' } : await this.#runWorker();
      if (ending.kind === 'fatal')
        throw ending.exitCode === 1 ? new PolicyError(ending.message) : new IoError(ending.message);
      if (o.signal.aborted) break;
      if (ending.kind === 'idle') {
        this.#crashes = 0;
        if (!resumed && o.shed !== undefined) {
          this.#log.info({}, "the agent is idle: executing its process anew to give back the worker's memory");
          const state = {
            settings: this.#settings!,
            mountChecked: this.#mountChecked,
            metrics: [...this.#metricCalls.values()],
          };
          if (!o.shed(state)) this.#log.warn({}, 'the process could not be executed anew; it keeps the memory');
        }
        resumed = false;
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
  /** Sets up from the state of the process's former image; false (start a worker) when its port cannot be bound. */
  async #resume(resume: ResumeState): Promise<boolean> {
    try {
      await this.#serve(resume.settings);
    } catch (err: unknown) {
      this.#log.warn({ err: messageOf(err) }, 'cannot resume idle; starting a worker');
      return false;
    }
    this.#mountChecked = resume.mountChecked;
    for (const m of resume.metrics) applyMetricCall(this.#metrics!, m);
    this.#log.info({ idle: true }, IDLE_ANEW);
    return true;
  }

  /** The settings, the log, the series and /metrics and /healthz, once: the first worker's ready, or a resume. */
  async #serve(settings: WorkerSettings): Promise<void> {
    this.#settings = settings;
    this.#log = this.#newLog(settings);
    this.#metrics = recordingMetrics(
      createAgentMetrics({
        node: this.#o.nodeName,
        policy: settings.policy,
        processMetrics: this.#o.processMetrics ?? true,
      }),
      this.#metricCalls,
    );
    const server = agentHttpServer({ metrics: this.#metrics, healthy: () => this.#liveness.healthy() });
    const port = await server.listen(this.#o.listen.port ?? settings.metricsPort, this.#o.listen.host);
    this.#server = server;
    this.#log.info({ port, host: this.#o.listen.host ?? '*' }, `serving /metrics and /healthz on port ${port}`);
    if (this.#o.dryRun)
      this.#log.info({ dryRun: true }, 'dry run: the agent says what it would do and never cordons, drains or reboots');
  }

  async #ready(worker: WorkerHandle, settings: WorkerSettings): Promise<void> {
    // A later worker may have read a changed config file; its sentinel settings apply from now on.
    if (this.#server === undefined) {
      await this.#serve(settings).catch((err: unknown) => {
        worker.kill('SIGTERM');
        throw err;
      });
    }
    this.#settings = settings;
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
