// The objects `patchwindow status` reads, kept current by watches for `status --watch` (kube/cache.ts:
// list once, then watch, reconnecting by itself): the AgentConfig ConfigMaps, every Node, the Leases
// of each Fleet's namespace (grants, coordinator election, halts; a watch per namespace, opened and
// closed as Fleets appear and go), the waiting Events on Nodes and the reconcilers' status
// ConfigMaps. The same mapping as the one-shot read (status-objects.ts). A watch that failed is
// listed as reconnecting until it is answered again; its last state stays in the view meanwhile.
import type {
  CoreV1EventList,
  KubeConfig,
  KubernetesObject,
  V1ConfigMap,
  V1ConfigMapList,
  V1Lease,
  V1LeaseList,
  V1NodeList,
} from '@kubernetes/client-node';
import { watchCache, type WatchOptions } from '../../kube/cache.ts';
import { restOf } from '../../kube/config.ts';
import type { Query } from '../../kube/rest.ts';
import { messageOf } from '../../policy/errors.ts';
import type { Cache } from '../../kube/ports.ts';
import { stripNode } from '../../kube/node-strip.ts';
import {
  agentConfigOf,
  fleetsOf,
  nodeEventOf,
  RECONCILER_SELECTOR,
  reconcilerRecordOf,
  statusNodeOf,
  type StatusObjects,
} from './status-objects.ts';
import { AGENT_CONFIG_SELECTOR } from './status-read.ts';

/** A live view of the status objects. */
export interface LiveStatus {
  /** The objects as last seen, and warnings about AgentConfigs this version cannot read. */
  objects(): StatusObjects & { readonly warnings: readonly string[] };
  /** The watches being opened again after an error, each with what it said. */
  reconnecting(): readonly string[];
  /** Called after any change of the objects or of `reconnecting()`; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  stop(): void;
}

/** A failed lease watch of a new Fleet namespace is tried again after this long. */
const RETRY_MS = 5_000;

/** Opens the watches; resolves once each has listed, or rejects (TransientError/TerminalError) when one cannot. */
export async function watchStatusObjects(kc: KubeConfig, options: { namespace?: string }): Promise<LiveStatus> {
  const rest = restOf(kc);
  const get = <L>(path: string, query: Query = {}) => rest.request<L>('GET', path, { query });
  const listeners = new Set<() => void>();
  const failing = new Map<string, string>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  let stopped = false;
  const open = <T extends KubernetesObject, U>(
    o: Omit<WatchOptions<T, U>, 'rest' | 'onError' | 'onConnect'>,
  ): Promise<Cache<U>> =>
    watchCache({
      ...o,
      rest,
      onError: (err) => {
        failing.set(o.what, messageOf(err));
        notify();
      },
      onConnect: () => {
        if (failing.delete(o.what)) notify();
      },
    }).then((cache) => {
      cache.onChange(notify);
      return cache;
    });
  const ns = options.namespace;
  const configMaps = (what: string, labelSelector: string) => {
    const path = ns ? `/api/v1/namespaces/${ns}/configmaps` : '/api/v1/configmaps';
    return open<V1ConfigMap, V1ConfigMap>({
      what,
      path,
      labelSelector,
      list: () => get<V1ConfigMapList>(path, { labelSelector }),
      map: (cm) => cm,
    });
  };
  const caches: Cache<unknown>[] = [];
  const leases = new Map<string, Cache<V1Lease>>();
  const opening = new Set<string>();
  const keep = <U>(c: Cache<U>): Cache<U> => (caches.push(c), c);
  try {
    const agentConfigs = keep(await configMaps('watch AgentConfig ConfigMaps', AGENT_CONFIG_SELECTOR));
    const reconcilers = keep(await configMaps("watch the reconcilers' status ConfigMaps", RECONCILER_SELECTOR));
    const nodes = keep(
      await open({
        what: 'watch nodes',
        path: '/api/v1/nodes',
        list: () => get<V1NodeList>('/api/v1/nodes'),
        map: statusNodeOf,
        strip: stripNode,
      }),
    );
    const fieldSelector = 'involvedObject.kind=Node';
    const events = keep(
      await open({
        what: 'watch Events on Nodes',
        path: '/api/v1/namespaces/default/events',
        fieldSelector,
        list: () => get<CoreV1EventList>('/api/v1/namespaces/default/events', { fieldSelector }),
        map: nodeEventOf,
      }),
    );
    const configs = () => {
      const warnings: string[] = [];
      return { configs: agentConfigs.list().flatMap((cm) => agentConfigOf(cm, warnings) ?? []), warnings };
    };
    const leaseWatch = (namespace: string) => {
      const path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
      return open<V1Lease, V1Lease>({
        what: `watch Leases in ${namespace}`,
        path,
        list: () => get<V1LeaseList>(path),
        map: (l) => l,
      });
    };
    const wantedNamespaces = () => new Set(fleetsOf(configs().configs).map((f) => f.namespace));
    // One lease watch per namespace holding a Fleet's agents; opened and closed as Fleets come and go.
    const syncLeases = (): void => {
      const wanted = wantedNamespaces();
      for (const [namespace, cache] of leases)
        if (!wanted.has(namespace)) {
          cache.stop();
          leases.delete(namespace);
        }
      for (const namespace of [...wanted].filter((n) => !leases.has(n) && !opening.has(n))) {
        const what = `watch Leases in ${namespace}`;
        opening.add(namespace);
        leaseWatch(namespace).then(
          (cache) => {
            opening.delete(namespace);
            if (stopped) return cache.stop();
            leases.set(namespace, cache);
            failing.delete(what);
            notify();
          },
          (err: unknown) => {
            failing.set(what, messageOf(err));
            notify();
            setTimeout(() => {
              opening.delete(namespace);
              if (!stopped) syncLeases();
            }, RETRY_MS).unref();
          },
        );
      }
    };
    // At start every watch must list, or the command fails with the reason.
    for (const namespace of wantedNamespaces()) leases.set(namespace, await leaseWatch(namespace));
    agentConfigs.onChange(syncLeases);
    return {
      objects: () => {
        const { configs: found, warnings } = configs();
        return {
          configs: found,
          warnings,
          nodes: nodes.list(),
          leases: new Map([...leases].map(([n, c]) => [n, c.list()])),
          events: events.list().flatMap((e) => e ?? []),
          reconcilers: reconcilers.list().map(reconcilerRecordOf),
        };
      },
      reconnecting: () => [...failing].map(([what, message]) => `${what}: ${message}`),
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      stop() {
        stopped = true;
        listeners.clear();
        for (const c of [...caches, ...leases.values()]) c.stop();
      },
    };
  } catch (err: unknown) {
    stopped = true;
    for (const c of caches) c.stop();
    for (const c of leases.values()) c.stop();
    throw err;
  }
}
