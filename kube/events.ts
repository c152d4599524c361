// Events port: core/v1 Events about a Node. The API server only accepts events about a cluster-scoped
// object in the `default` namespace (as the kubelet writes them); `kubectl describe node` shows them.
import { randomBytes } from 'node:crypto';
import type { Events, NodeEvent } from './ports.ts';
import { apiMessage } from './errors.ts';
import type { Rest } from './rest.ts';

export class KubeEvents implements Events {
  private readonly rest: Rest;
  private readonly namespace = 'default';
  private readonly component: string;
  private readonly onError: (message: string) => void;

  constructor(rest: Rest, options: { component?: string; onError?: (message: string) => void } = {}) {
    this.rest = rest;
    this.component = options.component ?? 'patchwindow-agent';
    this.onError = options.onError ?? (() => undefined);
  }

  async record(nodeName: string, event: NodeEvent): Promise<void> {
    const now = new Date();
    try {
      await this.rest.request('POST', `/api/v1/namespaces/${this.namespace}/events`, {
        body: {
          metadata: {
            name: `${nodeName}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
            namespace: this.namespace,
          },
          // Like the kubelet, use the node name as uid: describe matches node events by it.
          involvedObject: { apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeName },
          type: event.type,
          reason: event.reason,
          message: event.message,
          source: { component: this.component, host: nodeName },
          reportingComponent: `patchwindow.io/${this.component}`,
          reportingInstance: nodeName,
          firstTimestamp: now.toISOString(),
          lastTimestamp: now.toISOString(),
          count: 1,
        },
      });
    } catch (err: unknown) {
      // Events are best effort: losing one must never stop a reboot.
      this.onError(`event ${event.reason} on node ${nodeName} not recorded: ${apiMessage(err)}`);
    }
  }
}
