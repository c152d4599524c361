// The agent process (`patchwindow agent`): reads and checks its config, builds the adapters of every
// port (Kubernetes through the pod's ServiceAccount, the host through the mounted host paths and
// nsenter, Prometheus, webhooks), serves /metrics and /healthz, and runs the loop until the process
// is asked to stop. Only wiring: every decision is in the loop and its pure core.
import { createHost } from './adapters/host.ts';
import { agentHttpServer } from './adapters/http.ts';
import { loadKubeConfig } from './adapters/kube/config.ts';
import { KubeEvents } from './adapters/kube/events.ts';
import { KubeNodes } from './adapters/kube/nodes.ts';
import { KubePods } from './adapters/kube/pods.ts';
import { secretKeyReader } from './adapters/kube/secrets.ts';
import { KubeSlots } from './adapters/kube/slots.ts';
import { createAgentMetrics, type AgentMetrics } from './adapters/metrics.ts';
import { fanOut, specNotifier } from './adapters/notify.ts';
import { prometheusAlerts } from './adapters/prometheus.ts';
import { systemClock } from './clock.ts';
import { readAgentConfig } from './config-file.ts';
import { createAgentLog } from './log.ts';
import { runAgent } from './loop.ts';
import type { AgentLog } from './observer.ts';
import type { Cache, NodeInfo, Nodes, Notifier } from './ports.ts';
import { loopLiveness, processObserver } from './telemetry.ts';
import { IoError, messageOf, TerminalError } from '../policy/errors.ts';
import type { AgentConfig } from '../policy/model.ts';

export interface AgentMainOptions {
  /** The compiled AgentConfig (the policy's ConfigMap, mounted as a file). */
  readonly configPath: string;
  /** The Node this agent runs on. */
  readonly nodeName: string;
  readonly dryRun: boolean;
  /** Where the host's paths are mounted (the sentinel's directory, the boot id). */
  readonly hostRoot: string;
  /** nsenter to run host commands with; tests pass a fake one (default /usr/bin/nsenter). */
  readonly nsenterPath?: string;
  /** Address of /metrics and /healthz; the port defaults to the config's agent.metricsPort. */
  readonly listen: { readonly host?: string; readonly port?: number };
  /** KUBECONFIG and KUBERNETES_SERVICE_HOST decide where the credentials come from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborts on SIGTERM/SIGINT: the agent stops cleanly, its state stays on the Node. */
  readonly signal: AbortSignal;
}

/** Runs the agent until `signal` aborts; resolves 0. Startup problems throw (PolicyError, IoError). */
export async function agentMain(o: AgentMainOptions): Promise<number> {
  // Everything that can be wrong with the setup is found before the agent touches anything.
  const config = await readAgentConfig(o.configPath);
  const kc = loadKubeConfig(o.env);
  const host = createHost({ ...config.policy.reboot, hostRoot: o.hostRoot, ...(o.nsenterPath !== undefined ? { nsenterPath: o.nsenterPath } : {}) });
  try {
    await host.bootId();
  } catch (err: unknown) {
    throw new IoError(messageOf(err), { cause: err });
  }

  const log = createAgentLog({ level: config.agent.logLevel, node: o.nodeName, policy: config.policy.name });
  const metrics = createAgentMetrics({ node: o.nodeName, policy: config.policy.name });
  const liveness = loopLiveness(() => systemClock.now());
  const http = agentHttpServer({ registry: metrics.registry, healthy: () => liveness.healthy() });
  let port: number;
  try {
    port = await http.listen(o.listen.port ?? config.agent.metricsPort, o.listen.host);
  } catch (err: unknown) {
    throw err instanceof TerminalError ? new IoError(err.message, { cause: err }) : err;
  }
  log.info({ port, host: o.listen.host ?? '*' }, `serving /metrics and /healthz on port ${port}`);
  if (o.dryRun) log.info({ dryRun: true }, 'dry run: the agent says what it would do and never cordons, drains or reboots');

  const onWatchError = (err: unknown): void => log.warn({ err: messageOf(err) }, 'watch failed; reconnecting');
  const { nodes, ownNode } = remembering(new KubeNodes(kc, { onWatchError }), o.nodeName);
  try {
    await runAgent({
      config,
      nodeName: o.nodeName,
      ports: {
        nodes,
        pods: new KubePods(kc),
        slots: new KubeSlots(kc, { namespace: config.namespace, fleet: config.fleet, onWatchError }),
        events: new KubeEvents(kc, { onError: (message) => log.warn({}, message) }),
        host,
        alerts: config.policy.blockers.alerts === null ? null : prometheusAlerts(config.policy.blockers.alerts),
        notifier: notifier(config, { kc, nodeName: o.nodeName, pool: () => ownNode()?.labels[config.poolLabel] ?? '', log, metrics }),
      },
      clock: systemClock,
      log,
      observer: processObserver(metrics, liveness, log),
      dryRun: o.dryRun,
      signal: o.signal,
    });
  } finally {
    await http.close();
    log.info({}, 'agent process stopped; its state stays on the Node for the next start');
    log.flush();
  }
  return 0;
}

/** Every notification of the policy; webhook URLs come from Secrets of the agents' namespace at each send. */
function notifier(
  config: AgentConfig,
  o: { readonly kc: ReturnType<typeof loadKubeConfig>; readonly nodeName: string; readonly pool: () => string; readonly log: AgentLog; readonly metrics: AgentMetrics },
): Notifier {
  const readKey = secretKeyReader(o.kc, config.namespace);
  const context = {
    node: o.nodeName,
    policy: config.policy.name,
    // The node's pool as its watch sees it at the time of each message.
    get pool() {
      return o.pool();
    },
  };
  return fanOut(
    config.policy.notifications.map((spec) =>
      specNotifier({
        spec,
        context,
        resolveUrl: () => readKey(spec.secretKeyRef),
        clock: systemClock,
        onError(message) {
          o.log.warn({ format: spec.format }, message);
          o.metrics.countNotificationFailure(spec.format);
        },
      }),
    ),
  );
}

/** The Nodes port, remembering the agent's own Node watch (for the pool in notifications). */
function remembering(inner: Nodes, nodeName: string): { nodes: Nodes; ownNode: () => NodeInfo | undefined } {
  let own: Cache<NodeInfo> | undefined;
  const nodes: Nodes = {
    get: (name) => inner.get(name),
    watchAll: () => inner.watchAll(),
    async watchOne(name) {
      const cache = await inner.watchOne(name);
      if (name === nodeName) own = cache;
      return cache;
    },
    setUnschedulable: (name, unschedulable) => inner.setUnschedulable(name, unschedulable),
    patchMetadata: (name, patch) => inner.patchMetadata(name, patch),
  };
  return { nodes, ownNode: () => own?.list().find((n) => n.name === nodeName) };
}
