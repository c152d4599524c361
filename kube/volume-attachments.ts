// VolumeAttachments port on the Kubernetes API (storage.k8s.io/v1, cluster-scoped). The API has no
// field selector on spec.nodeName, so the list is filtered here; the agent lists only while it
// waits for its node's volumes to detach after a drain (spec.drain.waitForVolumeDetach).
import { StorageV1Api, type KubeConfig } from '@kubernetes/client-node';
import { compareText } from '../policy/diagnostics.ts';
import { call } from './errors.ts';
import type { VolumeAttachments } from './ports.ts';

export class KubeVolumeAttachments implements VolumeAttachments {
  private readonly storage: StorageV1Api;

  constructor(kc: KubeConfig) {
    this.storage = kc.makeApiClient(StorageV1Api);
  }

  async onNode(nodeName: string): Promise<readonly string[]> {
    const list = await call('list volumeattachments', () => this.storage.listVolumeAttachment());
    return list.items
      .filter((va) => va.spec.nodeName === nodeName)
      .map((va) => va.metadata?.name ?? '')
      .sort(compareText);
  }
}
