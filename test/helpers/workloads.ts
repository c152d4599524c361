// Workloads for e2e scenarios on kwok nodes: Deployments pinned to pools, PodDisruptionBudgets, bare
// pods, and taints that keep the scheduler away from a node while the test places pods.
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A taint the scheduler respects and the agents ignore: keeps new pods off a node for a while. */
export const PLACEMENT_TAINT = { key: 'e2e.patchwindow.dev/not-yet', value: 'true', effect: 'NoSchedule' } as const;

/** A Deployment of `replicas` pods labelled app=`name`, on the nodes with all of `nodeSelector`. */
export async function createDeployment(
  kc: KubeConfig,
  namespace: string,
  name: string,
  o: { replicas: number; nodeSelector: Record<string, string> },
): Promise<void> {
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            nodeSelector: o.nodeSelector,
            containers: [{ name, image: `example.invalid/${name}:1` }],
            terminationGracePeriodSeconds: 1,
          },
        },
      },
    },
  });
}

/** A PodDisruptionBudget over app=`app`. */
export async function createPdb(
  kc: KubeConfig,
  namespace: string,
  app: string,
  budget: { minAvailable: number } | { maxUnavailable: number },
): Promise<void> {
  await kc.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({
    namespace,
    body: { metadata: { name: app }, spec: { selector: { matchLabels: { app } }, ...budget } },
  });
}

/** Changes a PodDisruptionBudget made by createPdb. */
export async function patchPdb(
  kc: KubeConfig,
  namespace: string,
  app: string,
  budget: { minAvailable: number },
): Promise<void> {
  await kc
    .makeApiClient(PolicyV1Api)
    .patchNamespacedPodDisruptionBudget({ namespace, name: app, body: { spec: budget } }, MERGE_PATCH);
}

/** The disruptions a PodDisruptionBudget allows now, once its controller has looked at it. */
export async function disruptionsAllowed(kc: KubeConfig, namespace: string, app: string): Promise<number | undefined> {
  const pdb = await kc.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ namespace, name: app });
  return pdb.status?.observedGeneration === pdb.metadata?.generation ? pdb.status?.disruptionsAllowed : undefined;
}

/** A pod without a controller, bound to `nodeName` directly (no scheduler). */
export async function createBarePod(
  kc: KubeConfig,
  namespace: string,
  name: string,
  o: { nodeName: string; labels: Record<string, string> },
): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: o.labels },
      spec: {
        nodeName: o.nodeName,
        containers: [{ name, image: `example.invalid/${name}:1` }],
        terminationGracePeriodSeconds: 0,
      },
    },
  });
}

/** Removes every taint of a node (the test's PLACEMENT_TAINT). */
export async function untaint(kc: KubeConfig, node: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).patchNode({ name: node, body: { spec: { taints: null } } }, MERGE_PATCH);
}

/** Ready and not being deleted. */
export function available(pod: V1Pod): boolean {
  return (
    pod.metadata?.deletionTimestamp === undefined &&
    pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  );
}

/** Pods labelled app=`app`. */
export function podsOf(pods: readonly V1Pod[], app: string): V1Pod[] {
  return pods.filter((p) => p.metadata?.labels?.app === app);
}
