// What a contract suite needs from an implementation of the Kubernetes-facing ports: the ports
// themselves and adapter-neutral ways to set the scene. The in-memory fakes implement it in
// fakes.test.ts; the real adapters implement it on the real control plane (kwok nodes, real pods,
// a real PodDisruptionBudget for `blockEvictionsFor`). Suites assert only what the real API
// guarantees, and wait with `eventually` for anything a watch or a controller delivers later.
import type { Events, Grants, Memory, NodeEvent, Nodes, Pods } from '../../kube/ports.ts';

export interface NodeSetup {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly unschedulable?: boolean;
}

export interface PodSetup {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The controller owning the pod; null: an unmanaged pod. */
  readonly owner: 'ReplicaSet' | 'DaemonSet' | null;
  readonly emptyDir?: boolean;
  /** Default Running. */
  readonly phase?: 'Running' | 'Succeeded';
}

export interface ContractEnv {
  readonly nodes: Nodes;
  readonly pods: Pods;
  readonly grants: Grants;
  readonly events: Events;
  /** The coordinator memory of the fleet named `fleet`. */
  memory(fleet: string): Memory;
  /** A DNS-1123 name unique to this run, starting with `base` (real clusters outlive a test). */
  unique(base: string): string;
  /** Creates a Ready node. */
  createNode(spec: NodeSetup): Promise<void>;
  deleteNode(name: string): Promise<void>;
  createNamespace(name: string, labels?: Readonly<Record<string, string>>): Promise<void>;
  /** Creates a pod bound to `nodeName` and waits until it has the asked phase. */
  createPod(spec: PodSetup): Promise<void>;
  /** From now on the eviction API refuses (429) to evict this pod: a PodDisruptionBudget. */
  blockEvictionsFor(pod: { readonly namespace: string; readonly name: string }): Promise<void>;
  /** Events recorded for the node, as the API lists them. */
  eventsOf(nodeName: string): Promise<readonly NodeEvent[]>;
  /** "Now" for grant times: the clock the Lease times are compared with. */
  nowMs(): number;
  /** Removes what the env created. */
  dispose(): Promise<void>;
}

export type MakeEnv = () => Promise<ContractEnv>;

/** Retries `assertion` until it passes or `timeoutMs` (real time) runs out; then throws its error. */
export async function eventually(assertion: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err: unknown) {
      if (Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
