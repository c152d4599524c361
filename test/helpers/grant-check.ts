// The reboot guard's check for the coordinator's grants (kube/grants.ts, the agent's fencing):
// at the instant an agent runs its reboot command, the API server must hold a grant Lease of that
// node, held by it, whose uid (the epoch) is the one the node's record names, for this very Node
// object (a Node deleted and registered again has a new uid, and its old grant is void).
// Everything is read afresh, no cache. Written against the Lease and annotations on the wire, so it
// checks the agent from outside rather than through the agent's own code.
import { CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { STATE_ANNOTATION } from '../../policy/keys.ts';
import { stableName } from '../../policy/names.ts';
import type { CommandCheck } from './reboot-guard.ts';

const NODE_UID_ANNOTATION = 'patchwindow.io/node-uid';

function notFound(err: unknown): undefined {
  const code = (err as { code?: number }).code;
  if (code === 404) return undefined;
  throw err;
}

/** A CommandCheck: `rebootCommand` runs only under a live grant of the node in `namespace`. */
export function liveGrantCheck(kc: KubeConfig, namespace: string, rebootCommand: string): CommandCheck {
  const leases = kc.makeApiClient(CoordinationV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  return async (node, command) => {
    if (command !== rebootCommand) return undefined;
    const name = stableName(['patchwindow', 'grant', node]);
    const [lease, n] = await Promise.all([
      leases.readNamespacedLease({ namespace, name }).catch(notFound),
      core.readNode({ name: node }).catch(notFound),
    ]);
    if (lease === undefined) return `no grant Lease ${namespace}/${name}`;
    if (lease.spec?.holderIdentity !== node) return `grant held by ${lease.spec?.holderIdentity}`;
    if (n === undefined) return 'its Node is gone';
    if (lease.metadata?.annotations?.[NODE_UID_ANNOTATION] !== n.metadata?.uid)
      return `the grant is for Node uid ${lease.metadata?.annotations?.[NODE_UID_ANNOTATION]}, the Node is ${n.metadata?.uid}`;
    const raw = n.metadata?.annotations?.[STATE_ANNOTATION];
    const record = raw === undefined ? undefined : (JSON.parse(raw) as { phase?: string; grant?: string });
    if (record?.grant !== lease.metadata?.uid)
      return `the node's record names grant ${record?.grant}, the live grant is ${lease.metadata?.uid}`;
    if (record?.phase !== 'rebooting') return `the node's record is in phase ${record?.phase}`;
    return undefined;
  };
}
