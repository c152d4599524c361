// The coordinator process: read the Fleet's compiled policies, take part in the leader election
// (two replicas; only the leader grants), serve /metrics, /healthz, /readyz, and run the grant loop
// while leading. Stops on its signal: a leader gives the election Lease up, so the other replica
// takes over at once; grants already given stay with their nodes (agents finish their reboots).
import type { KubeConfig } from '@kubernetes/client-node';
import { restOf } from '../kube/config.ts';
import { KubeEvents } from '../kube/events.ts';
import { KubeGrants } from '../kube/grants.ts';
import { KubeMemory } from '../kube/memory.ts';
import { KubeHalts } from '../kube/halts.ts';
import { KubeJobs } from '../kube/jobs.ts';
import { LeaderElector } from '../kube/leader.ts';
import { KubeNodes } from '../kube/nodes.ts';
import { KubeObjects } from '../kube/objects.ts';
import type { Log } from '../io/log.ts';
import type { Clock } from '../policy/clock.ts';
import { coordinatorLeaseName } from '../kube/grants.ts';
import { coordinatorHttpServer } from './http.ts';
import { runGrantLoop } from './loop.ts';
import { createCoordinatorMetrics } from './metrics.ts';
import { createGateMetrics } from './gates.ts';
import type { FleetConfig } from './view.ts';

export interface CoordinatorMainOptions {
  readonly kc: KubeConfig;
  readonly fleet: FleetConfig;
  readonly identity: string;
  readonly listen: { readonly host?: string; readonly port: number };
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly clock: Clock;
  readonly log: Log;
  readonly signal: AbortSignal;
  /** While a health gate holds, read its objects again after this long (default 10 s). */
  readonly gateRecheckMs?: number;
}

/** Runs until `signal` aborts; resolves with the exit code. */
export async function coordinatorMain(o: CoordinatorMainOptions): Promise<number> {
  const { log, clock, fleet } = o;
  const metrics = createCoordinatorMetrics({ policies: fleet.configs.map((c) => c.policy.name) });
  const gates = {
    reader: new KubeObjects(o.kc),
    metrics: createGateMetrics(metrics.registry),
    ...(o.gateRecheckMs === undefined ? {} : { recheckMs: o.gateRecheckMs }),
  };
  const onWatchError = (err: unknown) =>
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'watch failed; reconnecting');
  const rest = restOf(o.kc);
  const ports = {
    nodes: new KubeNodes(rest, { onWatchError }),
    grants: new KubeGrants(rest, { namespace: fleet.namespace, fleet: fleet.fleet, onWatchError }),
    halts: new KubeHalts(o.kc, { namespace: fleet.namespace, fleet: fleet.fleet }),
    events: new KubeEvents(rest, { component: 'patchwindow-coordinator', onError: (message) => log.warn({}, message) }),
    memory: new KubeMemory(o.kc, { namespace: fleet.namespace, fleet: fleet.fleet }),
    jobs: new KubeJobs(rest, { namespace: fleet.namespace, fleet: fleet.fleet, onWatchError }),
  };
  let loop: { stop: AbortController; done: Promise<void> } | undefined;
  let lastDecisionMs = clock.now();
  let synced = false;
  const elector = new LeaderElector({
    kc: o.kc,
    namespace: fleet.namespace,
    name: coordinatorLeaseName(fleet.fleet),
    identity: o.identity,
    leaseMs: o.leaseMs,
    renewMs: o.renewMs,
    onError: (message) => log.warn({}, message),
    onChange: (leading) => {
      metrics.setLeader(leading);
      log.info({ identity: o.identity, leading }, leading ? 'became the leader' : 'not the leader');
      if (leading && loop === undefined) {
        const stop = new AbortController();
        lastDecisionMs = clock.now();
        const done = runGrantLoop({
          fleet,
          ports,
          clock,
          log,
          metrics,
          gates,
          signal: AbortSignal.any([o.signal, stop.signal]),
          cpuMs: () => {
            const u = process.cpuUsage();
            return (u.user + u.system) / 1000;
          },
          onDecision: () => {
            lastDecisionMs = clock.now();
            synced = true;
          },
        }).catch((err: unknown) =>
          log.error({ err: err instanceof Error ? err.message : String(err) }, 'the grant loop failed'),
        );
        loop = { stop, done };
      } else if (!leading && loop !== undefined) {
        loop.stop.abort();
        loop = undefined;
        synced = false;
      }
    },
  });
  // Healthy: a follower always; a leader while its loop decided within its idle period and a margin.
  const healthy = () => loop === undefined || clock.now() - lastDecisionMs < 120_000;
  const server = coordinatorHttpServer({
    registry: metrics.registry,
    healthy,
    ready: () => (loop === undefined ? elector.reachedApi : synced),
  });
  const port = await server.listen(o.listen.port, o.listen.host);
  log.info(
    {
      fleet: fleet.fleet,
      namespace: fleet.namespace,
      policies: fleet.configs.map((c) => c.policy.name),
      port,
      identity: o.identity,
    },
    'coordinator started',
  );
  elector.start();
  await new Promise<void>((done) =>
    o.signal.aborted ? done() : o.signal.addEventListener('abort', () => done(), { once: true }),
  );
  const running = loop;
  loop = undefined;
  running?.stop.abort();
  await running?.done;
  await elector.stop();
  await server.close();
  log.info({}, 'coordinator stopped');
  return 0;
}
