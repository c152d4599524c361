// Pods port on the Kubernetes API: listing a node's pods and evicting them through the eviction
// API (never a plain delete, so PodDisruptionBudgets are honoured).
import type { V1Namespace, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { Cache, EvictionResult, PodInfo, Pods } from './ports.ts';
import { watchCache } from './cache.ts';
import { call } from './errors.ts';
import type { Rest } from './rest.ts';

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

/** The PodInfo of a v1 Pod. */
export function podInfo(pod: V1Pod): PodInfo {
  const controller = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
  const phase = pod.status?.phase ?? 'Unknown';
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    labels: pod.metadata?.labels ?? {},
    phase: (PHASES.has(phase) ? phase : 'Unknown') as PodInfo['phase'],
    controllerKind: controller?.kind ?? null,
    mirror: Object.hasOwn(pod.metadata?.annotations ?? {}, 'kubernetes.io/config.mirror'),
    usesEmptyDir: (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined),
    terminating: pod.metadata?.deletionTimestamp !== undefined,
  };
}

export class KubePods implements Pods {
  private readonly rest: Rest;

  constructor(rest: Rest) {
    this.rest = rest;
  }

  private list(fieldSelector: string): Promise<V1PodList> {
    return this.rest.request<V1PodList>('GET', '/api/v1/pods', { query: { fieldSelector } });
  }

  async listOnNode(nodeName: string): Promise<readonly PodInfo[]> {
    const list = await call(`list pods on node ${nodeName}`, () => this.list(`spec.nodeName=${nodeName}`));
    return list.items.map(podInfo);
  }

  watchOnNode(nodeName: string): Promise<Cache<PodInfo>> {
    const fieldSelector = `spec.nodeName=${nodeName}`;
    return watchCache({
      rest: this.rest,
      what: `watch pods on node ${nodeName}`,
      path: '/api/v1/pods',
      fieldSelector,
      list: () => this.list(fieldSelector),
      map: podInfo,
    });
  }

  async namespaceLabels(namespace: string): Promise<Readonly<Record<string, string>> | undefined> {
    const ns = await call(
      `read namespace ${namespace}`,
      () => this.rest.request<V1Namespace>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`),
      { 404: () => undefined },
    );
    return ns ? (ns.metadata?.labels ?? {}) : undefined;
  }

  async evict(pod: PodInfo, gracePeriodSeconds: number | null): Promise<EvictionResult> {
    const body = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: pod.name, namespace: pod.namespace },
      // The uid precondition makes sure a pod recreated under the same name is not evicted by mistake.
      deleteOptions: {
        preconditions: { uid: pod.uid },
        ...(gracePeriodSeconds === null ? {} : { gracePeriodSeconds }),
      },
    };
    return call<EvictionResult>(
      `evict pod ${pod.namespace}/${pod.name}`,
      async () => {
        const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/eviction`;
        await this.rest.request('POST', path, { body });
        return 'evicted';
      },
      { 404: () => 'gone', 429: () => 'blocked', 409: () => 'gone' },
    );
  }
}
