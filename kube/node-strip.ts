// What the coordinator keeps of a Node in its cache of every Node: name, uid, resourceVersion, all
// labels (policies select members by any label), patchwindow's own annotations, spec.unschedulable
// and the Ready condition, and of status.nodeInfo the boot id, OS image and kernel. A kubelet's Node carries ~15 KB more (managedFields, images, addresses,
// capacity, every condition, other tools' annotations); at 5,000 nodes keeping that would be most
// of the coordinator's memory for fields it never reads.
import type { V1Node, V1NodeSystemInfo } from '@kubernetes/client-node';

const OWN_PREFIX = 'patchwindow.io/';

/** The Node reduced to what nodeInfo reads (annotations: patchwindow's own only). */
export function stripNode(node: V1Node): V1Node {
  const m = node.metadata ?? {};
  const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => k.startsWith(OWN_PREFIX)));
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready');
  return {
    ...(node.apiVersion !== undefined ? { apiVersion: node.apiVersion } : {}),
    ...(node.kind !== undefined ? { kind: node.kind } : {}),
    metadata: {
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      labels: { ...m.labels },
      annotations,
    },
    spec: { unschedulable: node.spec?.unschedulable === true },
    status: {
      conditions: ready.map((c) => ({ type: c.type, status: c.status })),
      // The canary judges a reboot by these (a new boot id, the OS image and kernel it came back on).
      ...(node.status?.nodeInfo !== undefined ? { nodeInfo: keepNodeInfo(node.status.nodeInfo) } : {}),
    },
  };
}

function keepNodeInfo(i: V1NodeSystemInfo): V1NodeSystemInfo {
  // The other fields are required by the type; empty strings stand for "not kept".
  return {
    architecture: '',
    bootID: i.bootID,
    containerRuntimeVersion: '',
    kernelVersion: i.kernelVersion,
    kubeProxyVersion: '',
    kubeletVersion: '',
    machineID: '',
    operatingSystem: '',
    osImage: i.osImage,
    systemUUID: '',
  };
}
