// VolumeAttachments port on the Kubernetes API (storage.k8s.io/v1, cluster-scoped). The API has no
// field selector on spec.nodeName, so the list is filtered here; the agent lists only while it
// waits for its node's volumes to detach after a drain (spec.drain.waitForVolumeDetach).
import type { V1VolumeAttachmentList } from '@kubernetes/client-node';
import { compareText } from '../policy/diagnostics.ts';
import { call } from './errors.ts';
import type { VolumeAttachments } from './ports.ts';
import type { Rest } from './rest.ts';

export class KubeVolumeAttachments implements VolumeAttachments {
  private readonly rest: Rest;

  constructor(rest: Rest) {
    this.rest = rest;
  }

  async onNode(nodeName: string): Promise<readonly string[]> {
    const list = await call('list volumeattachments', () =>
      this.rest.request<V1VolumeAttachmentList>('GET', '/apis/storage.k8s.io/v1/volumeattachments'),
    );
    return list.items
      .filter((va) => va.spec.nodeName === nodeName)
      .map((va) => va.metadata?.name ?? '')
      .sort(compareText);
  }
}
