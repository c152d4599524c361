// The pods of a FakeCluster: namespaces, pods bound to nodes, and evictions the way the API server
// answers them — 429 while a PodDisruptionBudget would drop below minAvailable (or a test blocks
// the pod), otherwise the pod turns terminating and is gone after its grace period. Optionally a
// tiny scheduler brings evicted controller pods back on another schedulable Ready node, so
// budgets free up as they would in a real cluster.
import { selectorMatches } from '../../policy/labels.ts';
import type { LabelSelector } from '../../policy/model.ts';
import type { EvictionResult, NodeInfo, PodInfo } from '../../kube/ports.ts';
import type { Clock } from '../../policy/clock.ts';
import type { Topic } from './cache.ts';
import type { Mutation } from './cluster.ts';

export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  /** '' : not scheduled yet. */
  readonly nodeName: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly phase?: PodInfo['phase'];
  /** Controller kind; null: an unmanaged pod. Default ReplicaSet. */
  readonly controllerKind?: string | null;
  readonly mirror?: boolean;
  readonly usesEmptyDir?: boolean;
  /** terminationGracePeriodSeconds; default 0 (gone at once after eviction). */
  readonly graceSeconds?: number;
}

export interface Pdb {
  readonly namespace: string;
  readonly selector: LabelSelector;
  readonly minAvailable: number;
}

/** What the pod store needs of its cluster. */
export interface PodStoreHost {
  readonly clock: Clock;
  readonly topic: Topic;
  node(name: string): NodeInfo | undefined;
  nodes(): NodeInfo[];
  tell(m: Mutation): void;
}

type PodRecord = { -readonly [K in keyof PodInfo]: PodInfo[K] } & { nodeName: string; graceSeconds: number };

export class PodStore {
  reschedule = false;
  readonly #host: PodStoreHost;
  #uid = 0;
  #pods = new Map<string, PodRecord>();
  #namespaces = new Map<string, Readonly<Record<string, string>>>();
  #pdbs: Pdb[] = [];
  #blocked = new Map<string, number>();

  constructor(host: PodStoreHost) {
    this.#host = host;
  }

  addNamespace(name: string, labels: Readonly<Record<string, string>>): void {
    this.#namespaces.set(name, { ...labels });
  }

  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined {
    return this.#namespaces.get(name);
  }

  add(spec: PodSpec): PodInfo {
    if (!this.#namespaces.has(spec.namespace)) this.addNamespace(spec.namespace, {});
    const pod: PodRecord = {
      namespace: spec.namespace,
      name: spec.name,
      uid: `uid-${++this.#uid}`,
      labels: { ...spec.labels },
      phase: spec.phase ?? (spec.nodeName === '' ? 'Pending' : 'Running'),
      controllerKind: spec.controllerKind === undefined ? 'ReplicaSet' : spec.controllerKind,
      mirror: spec.mirror ?? false,
      usesEmptyDir: spec.usesEmptyDir ?? false,
      terminating: false,
      nodeName: spec.nodeName,
      graceSeconds: spec.graceSeconds ?? 0,
    };
    this.#pods.set(pod.uid, pod);
    this.#host.tell({ kind: 'pod', pod: `${pod.namespace}/${pod.name}`, by: 'admin', change: 'created' });
    this.#host.topic.publish();
    return info(pod);
  }

  on(nodeName: string): PodInfo[] {
    return [...this.#pods.values()].filter((p) => p.nodeName === nodeName).map(info);
  }

  all(): (PodInfo & { nodeName: string })[] {
    return [...this.#pods.values()].map((p) => ({ ...info(p), nodeName: p.nodeName }));
  }

  addPdb(pdb: Pdb): void {
    this.#pdbs.push(pdb);
  }

  block(pod: Pick<PodInfo, 'namespace' | 'name'>, untilMs: number): void {
    this.#blocked.set(`${pod.namespace}/${pod.name}`, untilMs);
  }

  evict(
    ref: Pick<PodInfo, 'namespace' | 'name' | 'uid'>,
    gracePeriodSeconds: number | null,
    by: string,
  ): EvictionResult {
    const pod = this.#pods.get(ref.uid);
    if (pod === undefined || pod.namespace !== ref.namespace || pod.name !== ref.name) return 'gone';
    if (pod.terminating) return 'evicted';
    const key = `${pod.namespace}/${pod.name}`;
    if ((this.#blocked.get(key) ?? -Infinity) > this.#host.clock.now()) return 'blocked';
    if (this.#pdbs.some((b) => this.#violates(b, pod))) return 'blocked';
    pod.terminating = true;
    this.#host.tell({ kind: 'pod', pod: key, by, change: 'evicted' });
    this.#host.topic.publish();
    const graceMs = (gracePeriodSeconds ?? pod.graceSeconds) * 1000;
    if (graceMs === 0) this.#remove(pod);
    else void this.#host.clock.sleep(graceMs).then(() => this.#remove(pod));
    return 'evicted';
  }

  /** Puts Pending pods without a node on the schedulable Ready node with the fewest pods. */
  schedulePending(): void {
    for (const pod of this.#pods.values()) {
      if (pod.nodeName !== '') continue;
      const candidates = this.#host.nodes().filter((n) => n.ready && !n.unschedulable);
      if (candidates.length === 0) return;
      const load = (n: NodeInfo) => [...this.#pods.values()].filter((p) => p.nodeName === n.name).length;
      const target = candidates.sort((a, b) => load(a) - load(b) || a.name.localeCompare(b.name))[0]!;
      pod.nodeName = target.name;
      pod.phase = 'Running';
      this.#host.topic.publish();
    }
  }

  #healthy(p: PodRecord): boolean {
    return p.phase === 'Running' && !p.terminating && p.nodeName !== '' && this.#host.node(p.nodeName)?.ready === true;
  }

  #violates(pdb: Pdb, pod: PodRecord): boolean {
    const covered = (p: PodRecord) => p.namespace === pdb.namespace && selectorMatches(pdb.selector, p.labels);
    if (!covered(pod) || !this.#healthy(pod)) return false;
    const healthy = [...this.#pods.values()].filter((p) => covered(p) && this.#healthy(p)).length;
    return healthy - 1 < pdb.minAvailable;
  }

  #remove(pod: PodRecord): void {
    if (!this.#pods.delete(pod.uid)) return;
    this.#host.tell({ kind: 'pod', pod: `${pod.namespace}/${pod.name}`, by: 'kubelet', change: 'deleted' });
    this.#host.topic.publish();
    if (this.reschedule && pod.controllerKind !== null && pod.controllerKind !== 'DaemonSet') {
      const base = pod.name.replace(/-r\d+$/, '');
      this.add({
        namespace: pod.namespace,
        name: `${base}-r${this.#uid + 1}`,
        nodeName: '',
        labels: pod.labels,
        controllerKind: pod.controllerKind,
        usesEmptyDir: pod.usesEmptyDir,
        graceSeconds: pod.graceSeconds,
      });
      this.schedulePending();
    }
  }
}

function info(p: PodRecord): PodInfo {
  const { nodeName: _node, graceSeconds: _grace, ...rest } = p;
  return { ...rest, labels: { ...rest.labels } };
}
