// The coordinator's Node cache keeps only what it reads: the same view of each Node, a fraction of the bytes.
import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { nodeInfo } from './nodes.ts';
import { stripNode } from './node-strip.ts';

/** A Node as a kubelet and a few other tools leave it. */
function kubeletNode(o: { ready: 'True' | 'False'; unschedulable?: boolean }): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'n1',
      uid: 'uid-n1',
      resourceVersion: '4711',
      labels: { 'kubernetes.io/hostname': 'n1', pool: 'general', 'patchwindow.io/reboot-required': 'true' },
      annotations: {
        'patchwindow.io/state': '{"version":2}',
        'patchwindow.io/cordoned-by': 'epoch-1',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
      managedFields: Array.from({ length: 6 }, (_, i) => ({
        manager: `manager-${i}`,
        operation: 'Update',
        fieldsV1: { 'f:status': { 'f:conditions': { x: 'y'.repeat(500) } } },
      })),
    },
    spec: {
      podCIDR: '10.0.0.0/24',
      unschedulable: o.unschedulable ?? false,
      taints: [{ key: 'a', effect: 'NoSchedule' }],
    },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'DiskPressure', status: 'False' },
        { type: 'Ready', status: o.ready, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      images: Array.from({ length: 40 }, (_, i) => ({
        names: [`registry.example/image-${i}@sha256:${'a'.repeat(64)}`],
        sizeBytes: 1e8,
      })),
      capacity: { cpu: '8', memory: '32Gi' },
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
      // What the canary reads: a reboot changes the boot id, maybe the OS image and kernel.
      nodeInfo: {
        architecture: 'amd64',
        bootID: 'boot-2',
        containerRuntimeVersion: 'containerd://2.1.0',
        kernelVersion: '6.8.0-48-generic',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.34.0',
        machineID: 'm',
        operatingSystem: 'linux',
        osImage: 'Ubuntu 24.04.1 LTS',
        systemUUID: 'u',
      },
    },
  };
}

describe('stripNode', () => {
  it.each([
    ['Ready, schedulable', { ready: 'True' as const }],
    ['NotReady, cordoned', { ready: 'False' as const, unschedulable: true }],
  ])('keeps the same view of a %s Node, with patchwindow annotations only', (_, o) => {
    const full = kubeletNode(o);
    const { annotations, ...rest } = nodeInfo(full);
    expect(nodeInfo(stripNode(full))).toEqual({
      ...rest,
      annotations: {
        'patchwindow.io/state': annotations['patchwindow.io/state'],
        'patchwindow.io/cordoned-by': 'epoch-1',
      },
    });
  });

  it('drops managedFields, images and the rest of the status', () => {
    const full = kubeletNode({ ready: 'True' });
    const stripped = stripNode(full);
    expect(stripped.metadata?.managedFields).toBeUndefined();
    expect(stripped.status?.images).toBeUndefined();
    expect(stripped.status?.conditions).toEqual([{ type: 'Ready', status: 'True' }]);
    expect(JSON.stringify(stripped).length * 10).toBeLessThan(JSON.stringify(full).length);
  });
});
