// The long-running reconciler (`patchwindow reconcile`): wires the git source, the cycle, the
// single-flight runner, the schedule, leader election, status, metrics and the HTTP endpoint.
// Decisions live in runner.ts (when a cycle runs), cycle.ts (what it does) and status-store.ts
// (what is recorded); this file only connects them to the outside.
//
// Shutdown: stop the schedule and the HTTP server, let a running cycle finish within the grace
// period (else abort it between two writes), then give the Lease up so a follower takes over at
// once. A cycle that ignored the abort keeps the Lease held until it expires, so no two replicas
// ever write at the same time.
import type { KubeConfig } from '@kubernetes/client-node';
import { createTask, type ScheduledTask } from 'node-cron';
import { join, relative } from 'node:path';
import type { Log } from '../../io/log.ts';
import type { Clock } from '../../policy/clock.ts';
import { IoError, messageOf, UsageError } from '../../policy/errors.ts';
import { applyObjects } from './apply.ts';
import { listClusterNodes } from './cluster-nodes.ts';
import { describeResult, relativeSources, runCycle, warningLines, type CycleResult } from './cycle.ts';
import { forwardSync, SYNC_URL_ANNOTATION } from './forward.ts';
import type { GitSource } from './gitsource.ts';
import { reconcilerHttpServer, type Probe } from './http.ts';
import type { SyncReply, SyncRequest } from './forward.ts';
import type { WebhookGuard } from './webhook-auth.ts';
import { LeaderElector } from '../../kube/leader.ts';
import { loadSources } from '../validate/load.ts';
import { createReconcilerMetrics, type ReconcilerMetrics } from './metrics.ts';
import { CycleRunner, type StopOutcome } from './runner.ts';
import { StatusStore } from './status-store.ts';
import type { InstallSettings } from '../validate/install.ts';
import { KubeHalts } from '../../kube/halts.ts';
import { recordHaltsInGit, type HaltToGit } from './halt-git.ts';
import type { PullRequests } from './github.ts';
import { findFleetName } from './halt-yaml.ts';

export interface ControllerOptions {
  readonly kc: KubeConfig;
  readonly source: GitSource;
  /** Directory of the policies inside the repository. */
  readonly policyPath: string;
  /** Cron expression of the scheduled cycles. */
  readonly schedule: string;
  /** Namespace of the leader Lease, the status ConfigMap and its Events. */
  readonly namespace: string;
  /** The Fleet's spec.namespace must be this one: the reconciler's Role grants rights there only. */
  readonly agentNamespace: string;
  /** Who may call POST /sync (default: nobody, until a secret or openness is chosen). */
  readonly webhook?: WebhookGuard;
  /** The cluster admin's install settings, read once at start (a change restarts the reconciler). */
  readonly install?: InstallSettings;
  readonly identity: string;
  readonly leaseName: string;
  readonly statusName: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly port: number;
  readonly host?: string;
  /** Where other replicas reach this one's POST /sync, given the port it listens on (published on the Lease while leading). */
  readonly advertiseUrl?: (port: number) => string | undefined;
  readonly shutdownGraceMs: number;
  /** /healthz fails once a cycle runs longer than this: the process is stuck and should restart. */
  readonly maxCycleMs: number;
  readonly log: Log;
  readonly clock: Clock;
  readonly metrics?: ReconcilerMetrics;
  /** Record the pools the coordinator halted in git (halt-git.ts); absent: halts stay on the cluster. */
  readonly haltToGit?: HaltToGit;
  /** Where `haltToGit: 'pull-request'` opens its pull requests. */
  readonly pullRequests?: PullRequests;
}

export interface Controller {
  /** The port the HTTP endpoint listens on. */
  readonly port: number;
  readonly metrics: ReconcilerMetrics;
  readonly isLeader: () => boolean;
  stop(): Promise<StopOutcome>;
}

/** Logs a cycle's result; an applied cycle's warnings follow as one warn line, so they are not lost. */
export function logResult(log: Log, r: CycleResult, durationMs: number): void {
  const [summary, ...details] = describeResult(r);
  const fields = {
    outcome: r.outcome,
    commit: r.commit,
    durationMs,
    ...(details.length > 0 ? { errors: details } : {}),
  };
  if (r.outcome === 'applied') log.info(fields, summary!);
  else if (r.outcome === 'invalid') log.warn(fields, summary!);
  else log.error(fields, summary!);
  const warnings = warningLines(r);
  if (warnings.length > 0) {
    log.warn(
      { commit: r.commit, warnings },
      `applied with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings.join('; ')}`,
    );
  }
}

export async function startController(o: ControllerOptions): Promise<Controller> {
  const { kc, source, log, clock } = o;
  const policyDir = join(source.dir, o.policyPath);
  if (relative(source.dir, policyDir).startsWith('..'))
    throw new UsageError(`--path ${o.policyPath} leaves the repository; give a directory inside it`);
  const metrics = o.metrics ?? createReconcilerMetrics();
  const status = new StatusStore({
    kc,
    namespace: o.namespace,
    name: o.statusName,
    source: source.describe(),
    reconciler: o.identity,
    onError: (m) => log.warn({}, m),
  });
  let stopping = false;
  let cyclesDone = 0;

  const load = async () => {
    try {
      return relativeSources(source.dir, await loadSources([policyDir]));
    } catch (err: unknown) {
      throw new IoError(messageOf(err).split(`${source.dir}/`).join(''), { cause: err });
    }
  };
  const cycle = async (signal: AbortSignal): Promise<void> => {
    const startMs = clock.now();
    const result = await runCycle({
      sync: () => source.sync(signal),
      load,
      apply: (objects, scope) => applyObjects(kc, objects, { prune: scope, signal }),
      now: () => clock.now(),
      agentNamespace: o.agentNamespace,
      ...(o.install !== undefined ? { install: o.install } : {}),
      nodes: () => listClusterNodes(kc),
    });
    const endMs = clock.now();
    if (signal.aborted) {
      log.warn(
        { commit: result.commit },
        'cycle aborted (shutting down or no longer the leader); the next leader reconciles',
      );
      return;
    }
    cyclesDone++;
    metrics.observeCycle(result, endMs - startMs, endMs);
    logResult(log, result, endMs - startMs);
    await status.record(result, endMs);
    if (o.haltToGit !== undefined && result.outcome === 'applied') await haltsToGit(o.haltToGit, result.commit);
  };
  const haltsToGit = async (mode: HaltToGit, commit: string): Promise<void> => {
    const files = (await load()).sources;
    const fleet = findFleetName(files);
    if (fleet === undefined) return;
    const halts = new KubeHalts(kc, { namespace: o.agentNamespace, fleet });
    await recordHaltsInGit({
      mode,
      source,
      halts,
      ...(o.pullRequests ? { pullRequests: o.pullRequests } : {}),
      files,
      commit,
      nowMs: clock.now(),
      log,
    });
  };
  const runner = new CycleRunner(cycle, clock, (err) =>
    log.error({ error: messageOf(err) }, 'cycle crashed; this is a bug'),
  );

  // The elector is created once the port is known (it publishes its URL); requests before then are refused.
  const started: { elector?: LeaderElector } = {};
  const sync = async (request: SyncRequest): Promise<SyncReply> => {
    const elector = started.elector;
    if (stopping) return { status: 503, body: { error: 'shutting down' } };
    if (!elector) return { status: 503, body: { error: 'starting' } };
    if (elector.isLeader) return { status: 202, body: { cycle: runner.trigger() } };
    return forwardSync(await elector.holder(), request);
  };
  const live = (): Probe => {
    const since = runner.busySinceMs;
    if (since === undefined || clock.now() - since <= o.maxCycleMs) return { ok: true };
    return {
      ok: false,
      reason: `a cycle has run for ${Math.round((clock.now() - since) / 1000)}s (limit ${o.maxCycleMs / 1000}s); it is stuck`,
    };
  };
  // Ready: leading with a first cycle finished, or following a live leader. Not merely "the API
  // answered": an election that keeps failing (e.g. a missing namespace) must not look healthy.
  const ready = (): Probe => {
    const elector = started.elector;
    if (stopping) return { ok: false, reason: 'shutting down' };
    if (!elector?.reachedApi)
      return { ok: false, reason: 'the Kubernetes API server has not answered leader election yet' };
    if (elector.isLeader)
      return cyclesDone > 0 ? { ok: true } : { ok: false, reason: 'leading; the first cycle has not finished yet' };
    if (elector.following) return { ok: true };
    return { ok: false, reason: 'neither leading nor following a leader yet (see the log for leader election errors)' };
  };
  const http = reconcilerHttpServer({
    registry: metrics.registry,
    live,
    ready,
    guard: o.webhook ?? { kind: 'closed' },
    refused: (why) => log.warn({ reason: why }, 'POST /sync refused with 401'),
    sync,
  });
  const port = await http.listen(o.port, o.host);

  const advertised = o.advertiseUrl?.(port);
  const leader = new LeaderElector({
    kc,
    namespace: o.namespace,
    name: o.leaseName,
    identity: o.identity,
    leaseMs: o.leaseMs,
    renewMs: o.renewMs,
    ...(advertised ? { annotations: { [SYNC_URL_ANNOTATION]: advertised } } : {}),
    onError: (m) => log.warn({}, m),
    onChange: (leading) => {
      metrics.setLeader(leading);
      log.info(
        { identity: o.identity },
        leading ? 'became the leader; reconciling' : stopping ? 'leadership given up' : 'not the leader; standing by',
      );
      if (leading) runner.trigger();
      else runner.cancel();
    },
  });

  started.elector = leader;
  let task: ScheduledTask;
  try {
    task = createTask(
      o.schedule,
      () => {
        if (!leader.isLeader) return;
        if (runner.tick() === 'skipped') {
          metrics.countSkipped();
          log.info({}, 'scheduled cycle skipped: the previous one still runs');
        }
      },
      {
        name: 'reconcile',
        logger: {
          info: (m) => log.debug({}, m),
          debug: (m) => log.debug({}, messageOf(m)),
          warn: (m) => log.warn({}, m),
          error: (m) => log.error({}, messageOf(m)),
        },
      },
    );
  } catch (err: unknown) {
    await http.close();
    throw new UsageError(`--schedule ${o.schedule}: ${messageOf(err)}`);
  }
  leader.start();
  await task.start();
  log.info(
    {
      source: source.describe(),
      path: o.policyPath,
      schedule: o.schedule,
      port,
      identity: o.identity,
      syncUrl: advertised,
    },
    'reconciler started',
  );

  return {
    port,
    metrics,
    isLeader: () => leader.isLeader,
    async stop() {
      stopping = true;
      await task.stop();
      await task.destroy();
      await http.close();
      const outcome = await runner.stop(o.shutdownGraceMs);
      await leader.stop(outcome !== 'abandoned');
      log.info(
        { cycle: outcome },
        outcome === 'abandoned' ? 'stopped; the abandoned cycle keeps the Lease until it expires' : 'stopped',
      );
      return outcome;
    },
  };
}
