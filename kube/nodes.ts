// Nodes port on the Kubernetes API.
import type { V1Node, V1NodeList } from '@kubernetes/client-node';
import { CORDONED_BY_ANNOTATION } from '../policy/keys.ts';
import type { Cache, MetadataPatch, NodeInfo, Nodes, WatchAllOptions } from './ports.ts';
import { watchCache } from './cache.ts';
import { stripNode } from './node-strip.ts';
import { call } from './errors.ts';
import { MERGE_PATCH, type Rest } from './rest.ts';

/** The NodeInfo of a v1 Node. */
export function nodeInfo(node: V1Node): NodeInfo {
  const ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return {
    name: node.metadata?.name ?? '',
    uid: node.metadata?.uid ?? '',
    labels: node.metadata?.labels ?? {},
    annotations: node.metadata?.annotations ?? {},
    unschedulable: node.spec?.unschedulable === true,
    ready,
    system: {
      osImage: node.status?.nodeInfo?.osImage ?? '',
      kernelVersion: node.status?.nodeInfo?.kernelVersion ?? '',
      bootId: node.status?.nodeInfo?.bootID ?? '',
    },
    resourceVersion: node.metadata?.resourceVersion ?? '',
  };
}

const LIST_PAGE_SIZE = 500;

export class KubeNodes implements Nodes {
  private readonly rest: Rest;
  private readonly onWatchError: ((err: unknown) => void) | undefined;
  private readonly listPageSize: number;

  constructor(rest: Rest, options: { onWatchError?: (err: unknown) => void; listPageSize?: number } = {}) {
    this.rest = rest;
    this.onWatchError = options.onWatchError;
    this.listPageSize = options.listPageSize ?? LIST_PAGE_SIZE;
  }

  /**
   * Every Node, stripped page by page: a kubelet's Node is ~15 KB, and 5,000 of them parsed at once
   * (the first list, and every list again after a watch expired) would be the process's peak memory.
   * The pages of one list are one snapshot; its resourceVersion is the last page's.
   */
  private async listStripped(): Promise<V1NodeList> {
    const items: V1Node[] = [];
    let page: V1NodeList;
    let next: string | undefined;
    do {
      page = await this.rest.request<V1NodeList>('GET', '/api/v1/nodes', {
        query: { limit: this.listPageSize, continue: next },
      });
      for (const n of page.items) items.push(stripNode(n));
      next = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
    } while (next !== undefined);
    return { ...page, items };
  }

  async get(name: string): Promise<NodeInfo | undefined> {
    const node = await call(`read node ${name}`, () => this.rest.request<V1Node>('GET', nodePath(name)), {
      404: () => undefined,
    });
    return node ? nodeInfo(node) : undefined;
  }

  watchAll(o: WatchAllOptions = {}): Promise<Cache<NodeInfo>> {
    const quiet = o.quiet;
    return watchCache({
      rest: this.rest,
      what: 'watch nodes',
      path: '/api/v1/nodes',
      list: () => this.listStripped(),
      map: nodeInfo,
      // Every Node of the cluster, kept as long as the process runs: only what nodeInfo reads.
      strip: stripNode,
      ...(quiet === undefined
        ? {}
        : { quiet: (before: V1Node, after: V1Node) => quiet(nodeInfo(before), nodeInfo(after)) }),
      onError: this.onWatchError,
    });
  }

  watchOne(name: string): Promise<Cache<NodeInfo>> {
    const fieldSelector = `metadata.name=${name}`;
    return watchCache({
      rest: this.rest,
      what: `watch node ${name}`,
      path: '/api/v1/nodes',
      fieldSelector,
      list: () => this.rest.request<V1NodeList>('GET', '/api/v1/nodes', { query: { fieldSelector } }),
      map: nodeInfo,
      onError: this.onWatchError,
    });
  }

  async cordon(name: string, o: { readonly owner: string; readonly resourceVersion: string }): Promise<boolean> {
    // One write: the cordon and its mark, only on the node as last read (schedulable then).
    const body = {
      metadata: { resourceVersion: o.resourceVersion, annotations: { [CORDONED_BY_ANNOTATION]: o.owner } },
      spec: { unschedulable: true },
    };
    return call(
      `cordon node ${name}`,
      async () => {
        await this.patch(name, body);
        return true;
      },
      { 409: () => false },
    );
  }

  async uncordon(name: string, o: { readonly resourceVersion: string }): Promise<boolean> {
    const body = {
      metadata: { resourceVersion: o.resourceVersion, annotations: { [CORDONED_BY_ANNOTATION]: null } },
      spec: { unschedulable: false },
    };
    return call(
      `uncordon node ${name}`,
      async () => {
        await this.patch(name, body);
        return true;
      },
      { 409: () => false },
    );
  }

  async patchMetadata(name: string, patch: MetadataPatch): Promise<void> {
    const metadata: Record<string, unknown> = {};
    if (patch.labels) metadata.labels = patch.labels;
    if (patch.annotations) metadata.annotations = patch.annotations;
    await call(`label node ${name}`, () => this.patch(name, { metadata }));
  }

  private patch(name: string, body: unknown): Promise<V1Node> {
    return this.rest.request<V1Node>('PATCH', nodePath(name), { body, contentType: MERGE_PATCH });
  }
}

function nodePath(name: string): string {
  return `/api/v1/nodes/${encodeURIComponent(name)}`;
}
