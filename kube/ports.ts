// The Kubernetes ports every process uses: Nodes, Pods, Events, slot Leases and watch caches, each a
// narrow interface named after what the caller does. The adapters beside this file implement them on
// the real API server; in-memory fakes (test/fakes) implement them for tests, and both pass the same
// contract suites (test/contract). Errors: adapters throw TransientError (retry later: conflicts,
// timeouts, 5xx) or TerminalError (forbidden, misconfigured) from policy/errors.ts, with the cause.

/** What the agent knows of a Node. */
export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** spec.unschedulable (cordoned). */
  readonly unschedulable: boolean;
  /** The Ready condition is True. */
  readonly ready: boolean;
  readonly resourceVersion: string;
}

/** Labels/annotations to set (string) or remove (null). */
export interface MetadataPatch {
  readonly labels?: Readonly<Record<string, string | null>>;
  readonly annotations?: Readonly<Record<string, string | null>>;
}

/** A live view kept current by list + watch; `list()` never calls the API. */
export interface Cache<T> {
  list(): readonly T[];
  /** Called after every change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  stop(): void;
}

export interface Nodes {
  get(name: string): Promise<NodeInfo | undefined>;
  /** Starts a watch of every node (for budgets); resolves once the first list has arrived. */
  watchAll(): Promise<Cache<NodeInfo>>;
  /** Starts a watch of one node. */
  watchOne(name: string): Promise<Cache<NodeInfo>>;
  setUnschedulable(name: string, unschedulable: boolean): Promise<void>;
  patchMetadata(name: string, patch: MetadataPatch): Promise<void>;
}

/** What the agent knows of a pod, enough to drain and to evaluate pod blockers. */
export interface PodInfo {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** Kind of the controller owner reference (`DaemonSet`, `ReplicaSet`, ...), or null when unmanaged. */
  readonly controllerKind: string | null;
  /** A static pod's mirror (kubernetes.io/config.mirror annotation). */
  readonly mirror: boolean;
  readonly usesEmptyDir: boolean;
  readonly terminating: boolean;
}

export type EvictionResult =
  /** Accepted: the pod is being deleted gracefully. */
  | 'evicted'
  /** 429: a PodDisruptionBudget forbids it now; retry later. */
  | 'blocked'
  /** 404: the pod is already gone. */
  | 'gone';

export interface Pods {
  listOnNode(nodeName: string): Promise<readonly PodInfo[]>;
  /** Labels of a namespace, for pod blockers with a namespaceSelector; undefined if it does not exist. */
  namespaceLabels(namespace: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** Evicts through the eviction API (never a plain delete). Null grace period: the pod's own. */
  evict(pod: PodInfo, gracePeriodSeconds: number | null): Promise<EvictionResult>;
}

/** A slot Lease: `group` is a policy name or `fleet`; at most one holder per (group, index). */
export interface Slot {
  readonly group: string;
  readonly index: number;
  readonly holder: string;
  readonly renewTimeMs: number;
  readonly ttlMs: number;
  readonly resourceVersion: string;
}

export interface Slots {
  /** Starts a watch of every slot Lease of the fleet; resolves once the first list has arrived. */
  watch(): Promise<Cache<Slot>>;
  /**
   * Takes slot (group, index) for `holder`: creates the Lease, or takes over `expected` (a Lease seen
   * as free: expired, or held by a node that no longer exists) if it is unchanged since it was seen.
   * Resolves false when another agent won (409 / precondition failed).
   */
  tryAcquire(
    group: string,
    index: number,
    holder: string,
    ttlMs: number,
    nowMs: number,
    expected?: Slot,
  ): Promise<boolean>;
  /** Renews a held slot; resolves false if it is no longer ours. */
  renew(slot: Slot, nowMs: number): Promise<boolean>;
  /** Releases a slot if `holder` still holds it; releasing a missing slot is fine. */
  release(group: string, index: number, holder: string): Promise<void>;
}

export interface NodeEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface Events {
  /** Records a Kubernetes Event on the Node. Never throws: events are best effort. */
  record(nodeName: string, event: NodeEvent): Promise<void>;
}
