// Events port: core/v1 Events about a Node. The API server only accepts events about a cluster-scoped
// object in the `default` namespace (as the kubelet writes them); `kubectl describe node` shows them.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Events, NodeEvent } from './ports.ts';
import { apiMessage } from './errors.ts';

export class KubeEvents implements Events {
  private readonly core: CoreV1Api;
  private readonly namespace = 'default';
  private readonly component: string;
  private readonly onError: (message: string) => void;

  constructor(kc: KubeConfig, options: { component?: string; onError?: (message: string) => void } = {}) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.component = options.component ?? 'patchwindow-agent';
    this.onError = options.onError ?? (() => undefined);
  }

  async record(nodeName: string, event: NodeEvent): Promise<void> {
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace: this.namespace,
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
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err: unknown) {
      // Events are best effort: losing one must never stop a reboot.
      this.onError(`event ${event.reason} on node ${nodeName} not recorded: ${apiMessage(err)}`);
    }
  }
}
