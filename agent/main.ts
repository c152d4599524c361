// The agent's worker (run by the supervisor in its process, agent/supervisor.ts, through agent/worker.ts): reads and
// checks its config, builds the adapters of every port (Kubernetes through the pod's ServiceAccount,
// the host through the mounted host paths and nsenter, Prometheus, webhooks), tells the supervisor
// the settings it needs, and runs the loop until the process is asked to stop or the agent is
// idle. Metrics and liveness go to the supervisor, which serves /metrics and /healthz. Only wiring:
// every decision is in the loop and its pure core.
import { createHost } from './adapters/host.ts';
import { loadRestTarget } from '../kube/rest-config.ts';
import { Rest } from '../kube/rest.ts';
import { URL_UNUSABLE } from './adapters/notify-url.ts';
import { KubeEvents } from '../kube/events.ts';
import { KubeNodes } from '../kube/nodes.ts';
import { KubePods } from '../kube/pods.ts';
import { KubeVolumeAttachments } from '../kube/volume-attachments.ts';
import { secretKeyReader } from '../kube/secrets.ts';
import { KubeGrants } from '../kube/grants.ts';
import type { AgentMetricsCalls } from './adapters/metrics.ts';
import { policyNotifier } from './adapters/notify.ts';
import { prometheusAlerts } from './adapters/prometheus.ts';
import { alertmanagerSilences } from './adapters/alertmanager-silences.ts';
import { systemClock } from '../io/clock.ts';
import { checkSentinelMount } from './adapters/sentinel-mount.ts';
import { readAgentConfig } from './config-file.ts';
import { createAgentLog } from './log.ts';
import { runAgent } from './loop.ts';
import type { Log } from '../io/log.ts';
import type { Cache, Events, NodeInfo, Nodes } from '../kube/ports.ts';
import type { Notifier } from './ports.ts';
import type { AgentOutcome } from './runtime.ts';
import { processObserver } from './telemetry.ts';
import {
  livenessOverChannel,
  metricsOverChannel,
  type WorkerArgs,
  type WorkerMessage,
  type WorkerSettings,
} from './worker-channel.ts';
import { IoError, messageOf } from '../policy/errors.ts';
import type { AgentConfig } from '../policy/model.ts';

/** The worker's side of its channel to the supervisor. */
export interface SupervisorLink {
  send(m: WorkerMessage): void;
  /** Resolves once the supervisor says `start` (true), or when `signal` aborts first (false). */
  started(signal: AbortSignal): Promise<boolean>;
}

export interface AgentWorkerOptions extends WorkerArgs {
  /** KUBECONFIG and KUBERNETES_SERVICE_HOST decide where the credentials come from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborts on SIGTERM/SIGINT: the agent stops cleanly, its state stays on the Node. */
  readonly signal: AbortSignal;
  readonly supervisor: SupervisorLink;
}

/** Runs the agent until `signal` aborts or it is idle. Startup problems throw (PolicyError, IoError). */
export async function agentWorker(o: AgentWorkerOptions): Promise<AgentOutcome> {
  // Everything that can be wrong with the setup is found before the agent touches anything.
  const config = await readAgentConfig(o.configPath);
  const rest = new Rest(await loadRestTarget(o.env));
  const host = createHost({
    ...config.policy.reboot,
    hostRoot: o.hostRoot,
    ...(o.nsenterPath !== undefined ? { nsenterPath: o.nsenterPath } : {}),
  });
  try {
    await host.bootId();
  } catch (err: unknown) {
    throw new IoError(messageOf(err), { cause: err });
  }
  // The supervisor binds the metrics port with these settings before it lets the worker start.
  o.supervisor.send({ kind: 'ready', settings: workerSettings(config) });
  if (!(await o.supervisor.started(o.signal))) return 'stopped';

  const log = createAgentLog({
    level: config.agent.logLevel,
    format: o.logFormat ?? config.agent.logFormat ?? 'json',
    node: o.nodeName,
    policy: config.policy.name,
    process: 'worker',
  });
  const send = (m: WorkerMessage): void => o.supervisor.send(m);
  const metrics = metricsOverChannel(send);
  const onWatchError = (err: unknown): void => log.warn({ err: messageOf(err) }, 'watch failed; reconnecting');
  const events = new KubeEvents(rest, { onError: (message) => log.warn({}, message) });
  await reportSentinelMount(config, o, events, metrics, log);
  const { nodes, ownNode } = remembering(new KubeNodes(rest, { onWatchError }), o.nodeName);
  try {
    return await runAgent({
      config,
      nodeName: o.nodeName,
      ports: {
        nodes,
        pods: new KubePods(rest),
        grants: new KubeGrants(rest, { namespace: config.namespace, fleet: config.fleet, onWatchError }),
        events,
        host,
        alerts: config.policy.blockers.alerts === null ? null : prometheusAlerts(config.policy.blockers.alerts),
        volumes: config.policy.drain.volumeDetachTimeoutMs === null ? null : new KubeVolumeAttachments(rest),
        silences:
          config.policy.silences === null
            ? null
            : alertmanagerSilences({ alertmanagerUrl: config.policy.silences.alertmanagerUrl, timeoutMs: 10_000 }),
        notifier: notifier(config, {
          rest,
          events,
          nodeName: o.nodeName,
          pool: () => ownNode()?.labels[config.poolLabel] ?? '',
          log,
          metrics,
        }),
      },
      clock: systemClock,
      log,
      observer: processObserver(metrics, livenessOverChannel(send)),
      dryRun: o.dryRun,
      signal: o.signal,
      exitWhenIdle: true,
    });
  } finally {
    rest.close();
    log.flush();
  }
}

/** Checks at start that the sentinel's directory is the host's; when not: an Event, a metric and an error line. */
async function reportSentinelMount(
  config: AgentConfig,
  o: AgentWorkerOptions,
  events: KubeEvents,
  metrics: AgentMetricsCalls,
  log: Log,
): Promise<void> {
  const file = config.policy.reboot.sentinelFile;
  if (file === null) return;
  const mount = await checkSentinelMount({
    hostRoot: o.hostRoot,
    sentinelFile: file,
    ...(o.env.PATCHWINDOW_HOST_FS ? { hostFs: o.env.PATCHWINDOW_HOST_FS } : {}),
  });
  metrics.setSentinelMount(mount.kind !== 'wrong');
  if (mount.kind === 'unknown') log.warn({}, `sentinel mount not checked: ${mount.message}`);
  if (mount.kind !== 'wrong') return;
  log.error({ sentinelMount: 'wrong' }, mount.message);
  await events.record(o.nodeName, { type: 'Warning', reason: 'SentinelMountWrong', message: mount.message });
}

/** What the supervisor needs of the checked config. */
export function workerSettings(config: AgentConfig): WorkerSettings {
  const { method, command, signal, sentinelFile, sentinelCommand } = config.policy.reboot;
  return {
    policy: config.policy.name,
    logLevel: config.agent.logLevel,
    ...(config.agent.logFormat !== undefined ? { logFormat: config.agent.logFormat } : {}),
    checkIntervalMs: config.agent.checkIntervalMs,
    metricsPort: config.agent.metricsPort,
    reboot: { method, command, signal, sentinelFile, sentinelCommand },
  };
}

/** Every notification of the policy; webhook URLs come from Secrets of the agents' namespace at each send. */
function notifier(
  config: AgentConfig,
  o: {
    readonly rest: Rest;
    readonly nodeName: string;
    readonly pool: () => string;
    readonly log: Log;
    readonly metrics: AgentMetricsCalls;
    readonly events: Events;
  },
): Notifier {
  const readKey = secretKeyReader(o.rest, config.namespace);
  const context = {
    node: o.nodeName,
    policy: config.policy.name,
    // The node's pool as its watch sees it at the time of each message.
    get pool() {
      return o.pool();
    },
  };
  return policyNotifier({
    specs: config.policy.notifications,
    context,
    resolveUrl: readKey,
    clock: systemClock,
    onError(message, spec) {
      o.log.warn({ format: spec.format }, message);
      o.metrics.setNotificationFailed(spec.format, systemClock.now());
      // A URL that does not parse cannot be checked by validate (its Secret is not in git): say it
      // where an operator looks at the node, once per message given up.
      if (spec.format === 'url' && message.includes(URL_UNUSABLE)) {
        void o.events.record(o.nodeName, { type: 'Warning', reason: 'NotificationUrlInvalid', message });
      }
    },
  });
}

/** The Nodes port, remembering the agent's own Node watch (for the pool in notifications). */
function remembering(inner: Nodes, nodeName: string): { nodes: Nodes; ownNode: () => NodeInfo | undefined } {
  let own: Cache<NodeInfo> | undefined;
  const nodes: Nodes = {
    get: (name) => inner.get(name),
    watchAll: (o) => inner.watchAll(o),
    async watchOne(name) {
      const cache = await inner.watchOne(name);
      if (name === nodeName) own = cache;
      return cache;
    },
    cordon: (name, o) => inner.cordon(name, o),
    uncordon: (name, o) => inner.uncordon(name, o),
    patchMetadata: (name, patch) => inner.patchMetadata(name, patch),
  };
  return { nodes, ownNode: () => own?.list().find((n) => n.name === nodeName) };
}
