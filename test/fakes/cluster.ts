// An in-memory cluster holding nodes, pods, namespaces, grant Leases and Events consistently, with
// the API semantics the agent relies on: resourceVersions, create conflicts, evictions that honour
// PodDisruptionBudgets (a 429 while one would be violated) and per-pod blocks, graceful deletion
// (terminating, gone after the grace period), and optionally a scheduler that brings evicted
// controller pods back on another node. Every mutation is told synchronously to `onMutation`
// observers, so tests can check invariants at every step. Ports over it: session.ts; pods,
// namespaces and evictions: pods.ts.
import type { EvictionResult, Grant, MetadataPatch, NewGrant, NodeEvent, NodeInfo, PodInfo } from '../../kube/ports.ts';
import { CORDONED_BY_ANNOTATION } from '../../policy/keys.ts';
import type { Clock } from '../../policy/clock.ts';
import type { HookKind, HookStatus } from '../../policy/hooks.ts';
import { Topic } from './cache.ts';
import { PodStore, type Pdb, type PodSpec } from './pods.ts';

export type { Pdb, PodSpec } from './pods.ts';

export interface NodeSpec {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly unschedulable?: boolean;
  readonly ready?: boolean;
}

/** Who changed what: `by` is an agent (node name) or `admin` (the test). */
export type Mutation =
  | {
      readonly kind: 'node';
      readonly name: string;
      readonly by: string;
      readonly before: NodeInfo | undefined;
      readonly after: NodeInfo | undefined;
    }
  | {
      readonly kind: 'pod';
      readonly pod: string;
      readonly by: string;
      readonly change: 'created' | 'evicted' | 'deleted';
    }
  | {
      readonly kind: 'grant';
      readonly node: string;
      readonly by: string;
      readonly before: Grant | undefined;
      readonly after: Grant | undefined;
    }
  | { readonly kind: 'event'; readonly node: string; readonly event: NodeEvent };

export class FakeCluster {
  readonly clock: Clock;
  readonly nodeTopic = new Topic();
  readonly podTopic = new Topic();
  readonly grantTopic = new Topic();
  readonly events: { node: string; event: NodeEvent; atMs: number }[] = [];
  #rv = 0;
  #nodes = new Map<string, NodeInfo>();
  readonly #pods: PodStore;
  #grants = new Map<string, Grant>();
  #uids = 0;
  #observers = new Set<(m: Mutation) => void>();

  constructor(clock: Clock) {
    this.clock = clock;
    this.#pods = new PodStore({
      clock,
      node: (n) => this.node(n),
      nodes: () => this.nodes(),
      tell: (m) => this.#tell(m),
      topic: this.podTopic,
    });
  }

  onMutation(observer: (m: Mutation) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  #tell(m: Mutation): void {
    for (const o of this.#observers) o(m);
  }

  #nextRv(): string {
    return String(++this.#rv);
  }

  // --- nodes -------------------------------------------------------------------------------

  addNode(spec: NodeSpec): void {
    this.#putNode(spec.name, 'admin', {
      name: spec.name,
      uid: `uid-${spec.name}-${++this.#uids}`,
      labels: { ...spec.labels },
      annotations: { ...spec.annotations },
      unschedulable: spec.unschedulable ?? false,
      ready: spec.ready ?? true,
      system: { osImage: 'Fake OS 1', kernelVersion: '6.0.0', bootId: `boot-${spec.name}` },
      resourceVersion: '',
    });
  }

  deleteNode(name: string): void {
    this.#putNode(name, 'admin', undefined);
  }

  node(name: string): NodeInfo | undefined {
    return this.#nodes.get(name);
  }

  nodes(): NodeInfo[] {
    return [...this.#nodes.values()];
  }

  /** The kubelet's Ready condition (FakeMachine flips it around reboots). */
  setReady(name: string, ready: boolean): void {
    this.#updateNode(name, 'kubelet', (n) => ({ ...n, ready }));
  }

  /** An admin's `kubectl cordon`/`uncordon`: spec.unschedulable only. */
  setUnschedulable(name: string, unschedulable: boolean, by = 'admin'): void {
    this.#updateNode(name, by, (n) => ({ ...n, unschedulable }));
  }

  /** The agent's cordon: unschedulable and its mark in one write, only on an unchanged node (else false: 409). */
  cordon(name: string, o: { readonly owner: string; readonly resourceVersion: string }, by: string): boolean {
    if (this.node(name)?.resourceVersion !== o.resourceVersion) return this.#conflict(name);
    this.#updateNode(name, by, (n) => ({
      ...n,
      unschedulable: true,
      annotations: { ...n.annotations, [CORDONED_BY_ANNOTATION]: o.owner },
    }));
    return true;
  }

  /** The agent's uncordon: unschedulable off and its mark removed in one write, only on an unchanged node. */
  uncordon(name: string, o: { readonly resourceVersion: string }, by: string): boolean {
    if (this.node(name)?.resourceVersion !== o.resourceVersion) return this.#conflict(name);
    this.#updateNode(name, by, (n) => ({
      ...n,
      unschedulable: false,
      annotations: apply(n.annotations, { [CORDONED_BY_ANNOTATION]: null }),
    }));
    return true;
  }

  #conflict(name: string): boolean {
    if (this.node(name) === undefined) throw new NotFound(`node ${name} not found`);
    return false;
  }

  patchMetadata(name: string, patch: MetadataPatch, by = 'admin'): void {
    this.#updateNode(name, by, (n) => ({
      ...n,
      labels: apply(n.labels, patch.labels),
      annotations: apply(n.annotations, patch.annotations),
    }));
  }

  #updateNode(name: string, by: string, change: (n: NodeInfo) => NodeInfo): void {
    const node = this.#nodes.get(name);
    if (node === undefined) throw new NotFound(`node ${name} not found`);
    this.#putNode(name, by, change(node));
  }

  #putNode(name: string, by: string, after: NodeInfo | undefined): void {
    const before = this.#nodes.get(name);
    const stored = after === undefined ? undefined : { ...after, resourceVersion: this.#nextRv() };
    if (stored === undefined) this.#nodes.delete(name);
    else this.#nodes.set(name, stored);
    this.#tell({ kind: 'node', name, by, before, after: stored });
    this.nodeTopic.publish();
    if (stored !== undefined && !stored.unschedulable && stored.ready) this.#pods.schedulePending();
  }

  // --- namespaces and pods (test/fakes/pods.ts) ---------------------------------------------

  /** Replace evicted controller pods on another schedulable Ready node (default false). */
  get reschedule(): boolean {
    return this.#pods.reschedule;
  }

  set reschedule(on: boolean) {
    this.#pods.reschedule = on;
  }

  addNamespace(name: string, labels: Readonly<Record<string, string>> = {}): void {
    this.#pods.addNamespace(name, labels);
  }

  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined {
    return this.#pods.namespaceLabels(name);
  }

  addPod(spec: PodSpec): PodInfo {
    return this.#pods.add(spec);
  }

  podsOn(nodeName: string): PodInfo[] {
    return this.#pods.on(nodeName);
  }

  pods(): (PodInfo & { nodeName: string })[] {
    return this.#pods.all();
  }

  addPdb(pdb: Pdb): void {
    this.#pods.addPdb(pdb);
  }

  /** Evictions of this pod answer 429 until `untilMs` (default: for ever). */
  blockEvictions(pod: Pick<PodInfo, 'namespace' | 'name'>, untilMs = Infinity): void {
    this.#pods.block(pod, untilMs);
  }

  evict(
    ref: Pick<PodInfo, 'namespace' | 'name' | 'uid'>,
    gracePeriodSeconds: number | null,
    by = 'admin',
  ): EvictionResult {
    return this.#pods.evict(ref, gracePeriodSeconds, by);
  }

  // --- grant Leases -------------------------------------------------------------------------

  grants(): Grant[] {
    return [...this.#grants.values()];
  }

  grant(node: string): Grant | undefined {
    return this.#grants.get(node);
  }

  give(g: NewGrant, nowMs: number, by = 'coordinator'): boolean {
    if (this.#grants.has(g.node)) return false;
    const epoch = `epoch-${++this.#uids}`;
    this.#putGrant(g.node, by, {
      node: g.node,
      policy: g.policy,
      epoch,
      nodeUid: g.nodeUid,
      grantedMs: nowMs,
      renewedMs: nowMs,
      ttlMs: g.ttlMs,
      resourceVersion: this.#nextRv(),
      ...(g.preHook === true ? { hooks: { preReboot: { state: 'pending' } } } : {}),
      ...(g.takesNoBudget === true ? { takesNoBudget: true as const } : {}),
    });
    return true;
  }

  renew(grant: Grant, nowMs: number, by = grant.node): boolean {
    const current = this.#grants.get(grant.node);
    if (current === undefined || current.epoch !== grant.epoch) return false;
    this.#putGrant(grant.node, by, { ...current, renewedMs: nowMs, resourceVersion: this.#nextRv() });
    return true;
  }

  markHook(grant: Pick<Grant, 'node' | 'epoch'>, kind: HookKind, status: HookStatus, by = 'coordinator'): boolean {
    const current = this.#grants.get(grant.node);
    if (current === undefined || current.epoch !== grant.epoch) return false;
    const hooks = { ...current.hooks, [kind]: status };
    this.#putGrant(grant.node, by, { ...current, hooks, resourceVersion: this.#nextRv() });
    return true;
  }

  /** Deletes the grant of this epoch only (a uid precondition). */
  release(grant: Pick<Grant, 'node' | 'epoch'>, by = grant.node): void {
    if (this.#grants.get(grant.node)?.epoch === grant.epoch) this.#putGrant(grant.node, by, undefined);
  }

  #putGrant(node: string, by: string, after: Grant | undefined): void {
    const before = this.#grants.get(node);
    if (after === undefined) this.#grants.delete(node);
    else this.#grants.set(node, after);
    this.#tell({ kind: 'grant', node, by, before, after });
    this.grantTopic.publish();
  }

  // --- events ----------------------------------------------------------------------------------

  recordEvent(node: string, event: NodeEvent): void {
    this.events.push({ node, event, atMs: this.clock.now() });
    this.#tell({ kind: 'event', node, event });
  }

  eventsFor(node: string): NodeEvent[] {
    return this.events.filter((e) => e.node === node).map((e) => e.event);
  }
}

/** What the API answers with 404. */
export class NotFound extends Error {
  override readonly name = 'NotFound';
}

function apply(
  current: Readonly<Record<string, string>>,
  patch: Readonly<Record<string, string | null>> | undefined,
): Record<string, string> {
  const out = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
