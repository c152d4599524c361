// Gathering what the pure rules judge: the pod and alert blockers. Any failure to ask becomes an
// `unknown` reason, which blocks (a blocker that cannot be evaluated blocks).
import { messageOf } from '../policy/errors.ts';
import { selectorMatches } from '../policy/labels.ts';
import type { AgentConfig } from '../policy/model.ts';
import { alertBlockReasons, podBlockReasons, type BlockReason } from './core/blockers.ts';
import type { Pods } from '../kube/ports.ts';
import type { Alerts } from './ports.ts';

/** Why the pod and alert blockers hold the node now (empty: they do not); never throws. */
export async function evaluateBlockers(
  ports: { readonly pods: Pods; readonly alerts: Alerts | null },
  config: AgentConfig,
  nodeName: string,
): Promise<BlockReason[]> {
  const { pods: podBlockers, alerts: alertBlocker } = config.policy.blockers;
  const [fromPods, fromAlerts] = await Promise.all([
    podBlockers.length === 0 ? [] : podReasons(ports.pods, podBlockers, nodeName),
    alertBlocker === null ? [] : alertReasons(ports.alerts, alertBlocker),
  ]);
  return [...fromPods, ...fromAlerts];
}

async function podReasons(
  pods: Pods,
  blockers: AgentConfig['policy']['blockers']['pods'],
  nodeName: string,
): Promise<BlockReason[]> {
  try {
    const onNode = await pods.listOnNode(nodeName);
    const namespaceLabels = new Map<string, Readonly<Record<string, string>> | undefined>();
    // Only namespaces of pods a namespace-scoped blocker could match need their labels.
    const scoped = blockers.filter((b) => b.namespaceSelector !== null);
    const namespaces = new Set(
      onNode.filter((p) => scoped.some((b) => selectorMatches(b.selector, p.labels))).map((p) => p.namespace),
    );
    await Promise.all([...namespaces].map(async (ns) => namespaceLabels.set(ns, await pods.namespaceLabels(ns))));
    return podBlockReasons(blockers, onNode, namespaceLabels);
  } catch (err: unknown) {
    return [{ kind: 'unknown', blocker: 'pods', message: messageOf(err) }];
  }
}

async function alertReasons(
  alerts: Alerts | null,
  spec: NonNullable<AgentConfig['policy']['blockers']['alerts']>,
): Promise<BlockReason[]> {
  if (alerts === null)
    return [{ kind: 'unknown', blocker: 'alerts', message: 'the agent was started without a Prometheus client' }];
  try {
    return alertBlockReasons(spec, await alerts.active());
  } catch (err: unknown) {
    return [{ kind: 'unknown', blocker: 'alerts', message: messageOf(err) }];
  }
}
