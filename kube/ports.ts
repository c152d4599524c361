// The Kubernetes ports every process uses: Nodes, Pods, Events, grant Leases and watch caches, each a
// narrow interface named after what the caller does. The adapters beside this file implement them on
// the real API server; in-memory fakes (test/fakes) implement them for tests, and both pass the same
// contract suites (test/contract). Errors: adapters throw TransientError (retry later: conflicts,
// timeouts, 5xx) or TerminalError (forbidden, misconfigured) from policy/errors.ts, with the cause.
import type { HookJobInfo, HookKind, HookStatus } from '../policy/hooks.ts';

export type { HookJobInfo } from '../policy/hooks.ts';

/** What the agent and the coordinator know of a Node. */
export interface NodeInfo {
  readonly name: string;
  /** metadata.uid: a Node deleted and created again under the same name has another. */
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** spec.unschedulable (cordoned). */
  readonly unschedulable: boolean;
  /** The Ready condition is True. */
  readonly ready: boolean;
  /** status.nodeInfo as the kubelet reports it ('' where it reports nothing). */
  readonly system: NodeSystem;
  readonly resourceVersion: string;
}

/** What the kubelet reports of the host (status.nodeInfo): a reboot may change all three. */
export interface NodeSystem {
  readonly osImage: string;
  readonly kernelVersion: string;
  readonly bootId: string;
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

export interface WatchAllOptions {
  /**
   * Of an update of a node: true when the cache's listeners need not be told of it now (they read
   * it at their next look). A hint: a cache may still tell them.
   */
  readonly quiet?: (before: NodeInfo, after: NodeInfo) => boolean;
}

export interface Nodes {
  get(name: string): Promise<NodeInfo | undefined>;
  /** Starts a watch of every node (the coordinator's); resolves once the first list has arrived. */
  watchAll(o?: WatchAllOptions): Promise<Cache<NodeInfo>>;
  /** Starts a watch of one node. */
  watchOne(name: string): Promise<Cache<NodeInfo>>;
  /**
   * Cordons the node and marks the cordon with `owner` (annotation patchwindow.io/cordoned-by) in
   * the same write, only if the node is unchanged since `resourceVersion` (a read that showed it
   * schedulable). Resolves false when it changed meanwhile (409): decide again on a fresh read.
   */
  cordon(name: string, o: { readonly owner: string; readonly resourceVersion: string }): Promise<boolean>;
  /**
   * Uncordons the node and removes the cordon's mark in the same write, only if the node is
   * unchanged since `resourceVersion`. Resolves false when it changed meanwhile (409).
   */
  uncordon(name: string, o: { readonly resourceVersion: string }): Promise<boolean>;
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
  /** Starts a watch of the pods on one node (a drain waits on it); resolves once the first list has arrived. */
  watchOnNode(nodeName: string): Promise<Cache<PodInfo>>;
  /** Labels of a namespace, for pod blockers with a namespaceSelector; undefined if it does not exist. */
  namespaceLabels(namespace: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** Evicts through the eviction API (never a plain delete). Null grace period: the pod's own. */
  evict(pod: PodInfo, gracePeriodSeconds: number | null): Promise<EvictionResult>;
}

/** A grant: the coordinator's permission for one node to cordon, drain and reboot (one Lease per node). */
export interface Grant {
  readonly node: string;
  readonly policy: string;
  /** The grant's identity (the Lease's uid): a grant freed and given again has another. */
  readonly epoch: string;
  /** uid of the Node it was given to. */
  readonly nodeUid: string;
  readonly grantedMs: number;
  /** Last renewal by the holder's agent. */
  readonly renewedMs: number;
  /** Not renewed for this long: its holder is stalled (it keeps the grant). */
  readonly ttlMs: number;
  readonly resourceVersion: string;
  /** The hooks of this grant (annotations patchwindow.io/pre-hook, post-hook); absent: none asked for. */
  readonly hooks?: { readonly [K in HookKind]?: HookStatus };
  /**
   * Given without budget because someone else had cordoned the node (annotation
   * patchwindow.io/takes-no-budget): its agent may start only while the node is still cordoned.
   */
  readonly takesNoBudget?: true;
}

/** A grant the coordinator gives. */
export interface NewGrant {
  readonly node: string;
  readonly nodeUid: string;
  readonly policy: string;
  readonly ttlMs: number;
  /** The policy has a pre-reboot hook: the grant is given with it pending. */
  readonly preHook?: boolean;
  /** Given without budget: the node was cordoned by someone else (Grant.takesNoBudget). */
  readonly takesNoBudget?: boolean;
}

export interface Grants {
  /** Starts a watch of every grant of the fleet (the coordinator's); resolves once listed. */
  watchAll(): Promise<Cache<Grant>>;
  /** Starts a watch of the grant of one node (the agent's); resolves once listed. */
  watchOwn(node: string): Promise<Cache<Grant>>;
  /** The grant of `node`, read fresh from the API server (no cache); undefined when there is none. */
  read(node: string): Promise<Grant | undefined>;
  /** Gives a grant; resolves false when the node already has one (409). */
  give(grant: NewGrant, nowMs: number): Promise<boolean>;
  /** Renews a held grant; resolves false if it is gone or is another epoch. */
  renew(grant: Grant, nowMs: number): Promise<boolean>;
  /** Deletes the grant of this epoch (never a later one); a missing grant is fine. */
  release(grant: Pick<Grant, 'node' | 'epoch'>): Promise<void>;
  /**
   * Writes the state of hook `kind` on the grant of this epoch (never a later one); resolves false
   * if it is gone or is another epoch.
   */
  markHook(grant: Pick<Grant, 'node' | 'epoch'>, kind: HookKind, status: HookStatus): Promise<boolean>;
}

/**
 * The coordinator's memory across restarts and leader changes (rate-limit starts, canary records):
 * one record of the fleet, written with an optimistic lock so an old leader cannot overwrite it.
 */
export interface Memory {
  /** The record (undefined: never written) and its version for `write`. */
  read(): Promise<{ readonly data: string | undefined; readonly version: string }>;
  /** Writes `data` over the record at `version` ('' : none yet); the new version, or undefined when it changed meanwhile. */
  write(data: string, version: string): Promise<string | undefined>;
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

export interface VolumeAttachments {
  /** Names of the VolumeAttachments (storage.k8s.io/v1) whose spec.nodeName is `nodeName`, sorted. */
  onNode(nodeName: string): Promise<readonly string[]>;
}

export interface Jobs {
  /** Starts a watch of the fleet's hook Jobs (the coordinator's); resolves once listed. */
  watch(): Promise<Cache<HookJobInfo>>;
  /** Creates the Job (a batch/v1 Job object); resolves false when one of that name exists (409). */
  create(job: Readonly<Record<string, unknown>>): Promise<boolean>;
}
