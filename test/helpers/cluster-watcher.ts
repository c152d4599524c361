// Watches a real cluster the whole time a scenario runs (every Node, the fleet's grant Leases) and
// checks the safety invariants of DESIGN.md on every change, the way test/fakes/invariants.ts does
// for the fake cluster:
//  1. never more unavailable nodes in a pool (NotReady, unschedulable or holding a grant) than
//     its budget, nor in the cluster than the fleet cap — unless nodes patchwindow did not take
//     down fill it (an admin's cordon, NotReady): then never one more than those;
//  1b. an agent cordons only while its node holds the grant its cordon names (test/helpers/e2e-fleet.ts
//     checks that no reboot command runs without a live grant);
//  2. never start a reboot (a new `acquiring` or `cordoning` record) outside an effective window,
//     while held, or while the test says a blocker holds;
//  3. never uncordon a node an admin cordoned (cordoned before the agents started, or through
//     `adminCordon`); no node rebooted twice (a second `rebooting` record of one node);
// and records a timeline of what happened, for failure messages and measurements.
//
// Nodes and Leases arrive on two watch streams, which may deliver causally ordered changes out of
// order (a grant given right after another node's uncordon may arrive before that uncordon; on a
// loaded machine a grant arrived 265 ms after the cordon it allowed). A budget violation, or a
// cordon whose grant was not seen, is therefore confirmed on a fresh list before it counts; a real
// violation lasts at least a drain and a reboot, so it still shows. The coordinator's own watch lags
// the same way: a node that went NotReady by itself (a Node registered again, in CI 40 ms before a
// grant the coordinator gave without having seen it) counts against the grants given at least
// WATCH_LAG_MS after the watcher saw it down, not against those given before.
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Lease,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { holdReason } from '../../agent/core/blockers.ts';
import { FLEET_GROUP } from '../../policy/budget.ts';
import { nodeInfo } from '../../kube/nodes.ts';
import { FLEET_LABEL, GRANT_LABEL, grantOf } from '../../kube/grants.ts';
import { LAST_REBOOT_ANNOTATION, STATE_ANNOTATION } from '../../policy/keys.ts';
import type { Grant, NodeInfo } from '../../kube/ports.ts';
import { CORDONED_BY_ANNOTATION } from '../../policy/keys.ts';
import { decodeLastReboot, decodeState, type NodeState } from '../../policy/state.ts';
import { allowedUnavailable } from '../../policy/budget.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { AgentConfig, Budget, NodeSelectorTerm, Schedule } from '../../policy/model.ts';
import { compileSchedule, type CompiledSchedule } from '../../policy/windows.ts';
import { listWatch, type Change, type ObjectWatch } from './kube-watch.ts';

export interface WatcherOptions {
  /** Admin credentials (the watcher reads everything). */
  readonly kc: KubeConfig;
  /** Namespace of the fleet's grant Leases. */
  readonly namespace: string;
  readonly fleet: string;
  /** The AgentConfig of every policy of the fleet. */
  readonly configs: readonly AgentConfig[];
  /** Why the test's pod or alert blockers hold `node` right now; undefined when they do not. */
  readonly blocked?: (node: string) => string | undefined;
  /** Also watch the pods of this namespace (the test's workloads). */
  readonly podNamespace?: string;
  /**
   * Watch only the Nodes this label selector matches (default: every Node). A bench with
   * thousands of nodes that never act watches only the nodes whose agents run.
   */
  readonly nodeLabelSelector?: string;
  /**
   * Credentials the grant Lease stream watches with (default `kc`): a test of the watcher puts a
   * loopback proxy there to make that stream lag behind the Node stream.
   */
  readonly leaseStreamKc?: KubeConfig;
}

/** A line of the timeline. */
export interface TimelineEntry {
  readonly atMs: number;
  readonly node: string;
  readonly text: string;
}

/** A grant Lease change as the watcher received it. */
export interface GrantEvent {
  readonly atMs: number;
  readonly kind: 'given' | 'released';
  readonly policy: string;
  readonly node: string;
  readonly epoch: string;
  /** On a release: the nodes of the fleet that recorded they ask for a grant (phase acquiring) at that moment. */
  readonly waiting?: readonly string[];
}

interface Group {
  readonly name: string;
  readonly budget: Budget;
  /** Null: every node of the cluster (the fleet cap). */
  readonly members: readonly NodeSelectorTerm[] | null;
}

/** How long the coordinator's watch may take to show it a node that went NotReady by itself. */
const WATCH_LAG_MS = 1_000;

const schedules = new WeakMap<Schedule, CompiledSchedule>();

function scheduleOf(s: Schedule): CompiledSchedule {
  let c = schedules.get(s);
  if (c === undefined) schedules.set(s, (c = compileSchedule(s)));
  return c;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

export class ClusterWatcher {
  readonly violations: string[] = [];
  readonly timeline: TimelineEntry[] = [];
  readonly grantEvents: GrantEvent[] = [];
  readonly #o: WatcherOptions;
  readonly #core: CoreV1Api;
  readonly #leasesApi: CoordinationV1Api;
  readonly #groups: Group[];
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #grants = new Map<string, Grant>();
  readonly #adminCordoned = new Set<string>();
  /** When the watcher first saw each NotReady node so (-Infinity: NotReady when watching began). */
  readonly #notReadySinceMs = new Map<string, number>();
  readonly #adminActing = new Set<string>();
  readonly #rebootingEntries = new Map<string, number>();
  /** The last-reboot record each node had when it entered phase rebooting (attempt still open). */
  readonly #lastRebootAtEntry = new Map<string, string | undefined>();
  /** Reboots each node may make while watched (1 unless the test asks for more). */
  readonly #rebootsAllowed = new Map<string, number>();
  readonly #reboots = new Map<string, string[]>();
  readonly #maxGrants = new Map<string, number>();
  readonly #listeners = new Set<() => void>();
  readonly #pods = new Map<string, V1Pod>();
  readonly #invariants: { readonly name: string; readonly check: () => string | undefined }[] = [];
  #watches: ObjectWatch<unknown>[] = [];
  #confirming: Promise<void> = Promise.resolve();

  private constructor(o: WatcherOptions) {
    this.#o = o;
    this.#core = o.kc.makeApiClient(CoreV1Api);
    this.#leasesApi = o.kc.makeApiClient(CoordinationV1Api);
    const groups = new Map<string, Group>();
    for (const c of o.configs) {
      groups.set(c.policy.name, { name: c.policy.name, budget: c.policy.budget, members: c.members });
      if (c.fleetBudget !== null) groups.set(FLEET_GROUP, { name: FLEET_GROUP, budget: c.fleetBudget, members: null });
    }
    this.#groups = [...groups.values()];
  }

  /** Starts watching; nodes unschedulable at this point count as cordoned by an admin. */
  static async start(o: WatcherOptions): Promise<ClusterWatcher> {
    const w = new ClusterWatcher(o);
    const onError = (err: unknown): void =>
      w.#note('', `watch error: ${err instanceof Error ? err.message : String(err)}`);
    const nodeSelector = o.nodeLabelSelector === undefined ? {} : { labelSelector: o.nodeLabelSelector };
    const nodes = await listWatch<V1Node>({
      kc: o.kc,
      path: '/api/v1/nodes',
      ...nodeSelector,
      list: () => w.#core.listNode(nodeSelector),
      onChange: (c) => w.#onNode(c),
      onError,
    });
    const labelSelector = `${FLEET_LABEL}=${o.fleet},${GRANT_LABEL}=true`;
    const leases = await listWatch<V1Lease>({
      kc: o.leaseStreamKc ?? o.kc,
      path: `/apis/coordination.k8s.io/v1/namespaces/${o.namespace}/leases`,
      labelSelector,
      list: () => w.#leasesApi.listNamespacedLease({ namespace: o.namespace, labelSelector }),
      onChange: (c) => w.#onLease(c),
      onError,
    });
    w.#watches = [nodes, leases];
    const podNamespace = o.podNamespace;
    if (podNamespace !== undefined) {
      const pods = await listWatch<V1Pod>({
        kc: o.kc,
        path: `/api/v1/namespaces/${podNamespace}/pods`,
        list: () => w.#core.listNamespacedPod({ namespace: podNamespace }),
        onChange: (c) => w.#onPod(c),
        onError,
      });
      w.#watches.push(pods);
    }
    return w;
  }

  stop(): void {
    for (const w of this.#watches) w.stop();
    this.#listeners.clear();
  }

  /** Which policy `node` belongs to (by its labels), if any. */
  policyOf(node: string): AgentConfig | undefined {
    const info = this.#nodes.get(node);
    return info === undefined ? undefined : this.#o.configs.find((c) => nodeSelectorTermsMatch(c.members, info.labels));
  }

  /** The test (as an admin) is about to cordon or uncordon `node`: not the agent's doing. */
  adminActing(node: string, acting: boolean): void {
    if (acting) this.#adminActing.add(node);
    else this.#adminActing.delete(node);
  }

  /** The test made `node` need a reboot again after its last one: one more is no violation. */
  expectAnotherReboot(node: string): void {
    this.#rebootsAllowed.set(node, (this.#rebootsAllowed.get(node) ?? 1) + 1);
    this.#note(node, 'test: one more reboot expected');
  }

  node(name: string): NodeInfo | undefined {
    return this.#nodes.get(name);
  }

  /** The agent's record on `node` as last seen (undefined: none, or unreadable). */
  state(name: string): NodeState | undefined {
    const read = decodeState(this.#nodes.get(name)?.annotations[STATE_ANNOTATION]);
    return read.kind === 'ok' ? read.state : undefined;
  }

  /** Boot ids of the reboots `node` completed while watched (from its last-reboot record). */
  reboots(name: string): readonly string[] {
    return this.#reboots.get(name) ?? [];
  }

  /** Grant Leases as last seen. */
  grants(): Grant[] {
    return [...this.#grants.values()];
  }

  /** Most grants of `policy` held at once (from the Lease stream alone, so exact). */
  maxGrantsHeld(policy: string): number {
    return this.#maxGrants.get(policy) ?? 0;
  }

  /** The pods of `podNamespace` as last seen. */
  pods(): V1Pod[] {
    return [...this.#pods.values()];
  }

  /** Checks `check` on every change from now on; what it returns is a violation. */
  invariant(name: string, check: () => string | undefined): void {
    this.#invariants.push({ name, check });
  }

  /** Adds a line to the timeline (the test's own actions). */
  note(node: string, text: string): void {
    this.#note(node, text);
  }

  /** Resolves once `condition` holds (checked now and after every change); rejects after `timeoutMs`. */
  async until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        let ok: boolean;
        try {
          ok = condition();
        } catch (err: unknown) {
          finish(err);
          return;
        }
        if (ok) finish();
      };
      const finish = (err?: unknown): void => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#listeners.delete(check);
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
      };
      const timer = setTimeout(
        () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.report()}`)),
        timeoutMs,
      );
      // Conditions may also depend on things outside the cluster (the test's hosts): look again now and then.
      const poll = setInterval(check, 250);
      this.#listeners.add(check);
    });
  }

  /** The violations, once every budget excess seen so far has been confirmed or cleared. */
  async settledViolations(): Promise<readonly string[]> {
    await this.#confirming;
    return this.violations;
  }

  /** What must hold once all work is over: no record, no grant, no cordon left by an agent. */
  async endStateProblems(
    expect: { readonly withState?: readonly string[]; readonly cordoned?: readonly string[] } = {},
  ): Promise<string[]> {
    await this.#confirming;
    const out: string[] = [];
    const nodes = (await this.#core.listNode()).items
      .map(nodeInfo)
      .filter((n) => this.policyOfLabels(n.labels) !== undefined);
    for (const n of nodes) {
      const state = n.annotations[STATE_ANNOTATION];
      if (state !== undefined && !expect.withState?.includes(n.name)) out.push(`${n.name} still has state ${state}`);
      const mayBeCordoned = this.#adminCordoned.has(n.name) || expect.cordoned?.includes(n.name) === true;
      if (n.unschedulable && !mayBeCordoned) out.push(`${n.name} is left cordoned`);
      if (!n.unschedulable && expect.cordoned?.includes(n.name) === true)
        out.push(`${n.name} should have stayed cordoned`);
    }
    const labelSelector = `${FLEET_LABEL}=${this.#o.fleet},${GRANT_LABEL}=true`;
    const leases = (await this.#leasesApi.listNamespacedLease({ namespace: this.#o.namespace, labelSelector })).items;
    for (const l of leases) {
      const g = grantOf(l);
      if (g !== undefined) out.push(`${g.node} still holds a grant (${g.policy})`);
    }
    return out;
  }

  /** Violations and the timeline, for failure messages. */
  report(): string {
    const lines = this.timeline.map((e) => `  ${clock(e.atMs)} ${e.node || '-'}: ${e.text}`);
    return [
      `violations: ${this.violations.length === 0 ? 'none' : ''}`,
      ...this.violations.map((v) => `  ${v}`),
      'timeline:',
      ...lines.slice(-250),
    ].join('\n');
  }

  policyOfLabels(labels: Readonly<Record<string, string>>): AgentConfig | undefined {
    return this.#o.configs.find((c) => nodeSelectorTermsMatch(c.members, labels));
  }

  #note(node: string, text: string): void {
    this.timeline.push({ atMs: Date.now(), node, text });
  }

  #violation(text: string): void {
    this.#note('', `VIOLATION ${text}`);
    if (this.violations.length < 50) this.violations.push(`${clock(Date.now())} ${text}`);
  }

  #changed(): void {
    for (const inv of this.#invariants) {
      const problem = inv.check();
      if (problem !== undefined) this.#violation(`${inv.name}: ${problem}`);
    }
    for (const l of [...this.#listeners]) l();
  }

  #onPod(c: Change<V1Pod>): void {
    if (c.after === undefined) this.#pods.delete(c.key);
    else this.#pods.set(c.key, c.after);
    if (c.initial) return;
    const pod = c.after ?? c.before!;
    const name = pod.metadata?.name ?? '';
    const node = pod.spec?.nodeName ?? '';
    const ready = (p: V1Pod | undefined): boolean =>
      p?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;
    if (c.after === undefined) this.#note(node, `pod ${name} gone`);
    else if (c.before?.metadata?.deletionTimestamp === undefined && c.after.metadata?.deletionTimestamp !== undefined)
      this.#note(node, `pod ${name} terminating`);
    else if ((c.before?.spec?.nodeName ?? '') === '' && node !== '') this.#note(node, `pod ${name} scheduled`);
    else if (!ready(c.before) && ready(c.after)) this.#note(node, `pod ${name} Ready`);
    this.#changed();
  }

  #onNode(c: Change<V1Node>): void {
    const name = c.key.slice(1);
    const before = this.#nodes.get(name);
    const after = c.after === undefined ? undefined : nodeInfo(c.after);
    if (after === undefined) this.#nodes.delete(name);
    else this.#nodes.set(name, after);
    if (after === undefined || after.ready) this.#notReadySinceMs.delete(name);
    else if (!this.#notReadySinceMs.has(name)) this.#notReadySinceMs.set(name, c.initial ? -Infinity : Date.now());
    const watched = this.policyOfLabels(after?.labels ?? before?.labels ?? {});
    if (watched === undefined) return;
    if (c.initial) {
      if (after?.unschedulable) this.#adminCordoned.add(name);
      this.#note(
        name,
        `watched${after?.unschedulable ? ', cordoned by an admin' : ''}${after?.ready ? '' : ', NotReady'}`,
      );
      return;
    }
    if (after === undefined) {
      this.#note(name, 'deleted');
    } else {
      this.#nodeTransitions(name, watched, before, after);
    }
    this.#checkBudgets();
    this.#changed();
  }

  #nodeTransitions(name: string, config: AgentConfig, before: NodeInfo | undefined, after: NodeInfo): void {
    if (before === undefined) {
      this.#note(name, 'added');
      return;
    }
    if (before.ready !== after.ready) this.#note(name, after.ready ? 'Ready' : 'NotReady');
    if (!before.unschedulable && after.unschedulable) {
      const admin = this.#adminActing.has(name);
      if (admin) this.#adminCordoned.add(name);
      const mark = after.annotations[CORDONED_BY_ANNOTATION];
      if (!admin && mark !== undefined && this.#grantOfNode(name)?.epoch !== mark) this.#confirmCordonGrant(name, mark);
      this.#note(name, admin ? 'cordoned by the admin' : 'cordoned');
    }
    if (before.unschedulable && !after.unschedulable) {
      const admin = this.#adminActing.has(name);
      if (this.#adminCordoned.has(name) && !admin) this.#violation(`${name} was uncordoned, but an admin cordoned it`);
      this.#adminCordoned.delete(name);
      this.#note(name, admin ? 'uncordoned by the admin' : 'uncordoned');
    }
    const was = decodeState(before.annotations[STATE_ANNOTATION]);
    const now = decodeState(after.annotations[STATE_ANNOTATION]);
    const wasPhase = was.kind === 'ok' ? was.state.phase : null;
    const phase = now.kind === 'ok' ? now.state.phase : null;
    if (now.kind === 'corrupt') this.#violation(`${name} has a corrupt state record: ${now.problem}`);
    if (wasPhase !== phase) {
      this.#note(
        name,
        phase === null
          ? 'state cleared'
          : `phase ${phase}${now.kind === 'ok' && now.state.reason !== undefined ? ` (${now.state.reason})` : ''}`,
      );
      // `acquiring` is the agent's request (ADR 0007), allowed while blocked (it says why); a reboot
      // starts with the cordon, which is what the start rules judge.
      if (now.kind === 'ok' && phase === 'cordoning')
        this.#checkStart(name, config, after, now.state.sinceMs, 'started a reboot (cordoning)');
      // An attempt that lost its grant before the reboot command ends without a reboot record and
      // is tried again: its entry into rebooting was no reboot.
      if (phase === null && this.#lastRebootAtEntry.has(name)) {
        if (this.#lastRebootAtEntry.get(name) === after.annotations[LAST_REBOOT_ANNOTATION])
          this.#rebootingEntries.set(name, (this.#rebootingEntries.get(name) ?? 1) - 1);
        this.#lastRebootAtEntry.delete(name);
      }
      if (phase === 'rebooting') {
        const entries = (this.#rebootingEntries.get(name) ?? 0) + 1;
        this.#rebootingEntries.set(name, entries);
        this.#lastRebootAtEntry.set(name, after.annotations[LAST_REBOOT_ANNOTATION]);
        if (entries > (this.#rebootsAllowed.get(name) ?? 1))
          this.#violation(`${name} entered phase rebooting ${entries} times`);
      }
    }
    const last = decodeLastReboot(after.annotations[LAST_REBOOT_ANNOTATION]);
    if (
      last !== undefined &&
      after.annotations[LAST_REBOOT_ANNOTATION] !== before.annotations[LAST_REBOOT_ANNOTATION]
    ) {
      const seen = this.#reboots.get(name) ?? [];
      if (!seen.includes(last.bootId)) this.#reboots.set(name, [...seen, last.bootId]);
      this.#note(name, `reboot recorded (boot id ${last.bootId}${last.sentinelSurvived ? ', sentinel survived' : ''})`);
    }
  }

  #checkStart(name: string, config: AgentConfig, node: NodeInfo, atMs: number, what: string): void {
    const gate = scheduleOf(config.policy.schedule).canStart(
      atMs,
      config.policy.drain.timeoutMs + config.policy.reboot.expectedDurationMs,
    );
    if (!gate.ok) this.#violation(`${name} ${what} at ${new Date(atMs).toISOString()} while ${gate.reason}`);
    const hold = holdReason(node);
    if (hold !== undefined) this.#violation(`${name} ${what} while held (${JSON.stringify(hold)})`);
    const blocked = this.#o.blocked?.(name);
    if (blocked !== undefined) this.#violation(`${name} ${what} while blocked: ${blocked}`);
  }

  /**
   * The Lease stream may deliver a grant after the cordon it allowed (two streams, see the header):
   * a cordon whose grant the watcher has not seen counts only if a fresh list of the grant Leases
   * does not show that grant either. Epochs are never reused, so a grant listed now was held since
   * before the cordon; one given and already released by now counts (a grant lasts a drain and a
   * reboot, far longer than this read).
   */
  #confirmCordonGrant(name: string, mark: string): void {
    const seenAt = Date.now();
    this.#confirming = this.#confirming.then(async () => {
      const problem = `${name} was cordoned by its agent without holding the grant ${mark}`;
      try {
        const labelSelector = `${FLEET_LABEL}=${this.#o.fleet},${GRANT_LABEL}=true`;
        const leases = await this.#leasesApi.listNamespacedLease({ namespace: this.#o.namespace, labelSelector });
        const held = leases.items.map(grantOf).some((g) => g?.node === name && g.epoch === mark);
        if (held)
          this.#note(name, `cordon at ${clock(seenAt)} arrived before its grant ${mark} (streams out of order)`);
        else this.#violation(problem);
      } catch (err: unknown) {
        this.#violation(`${problem} (not confirmed: ${err instanceof Error ? err.message : String(err)})`);
      }
    });
  }

  #grantOfNode(name: string): Grant | undefined {
    return [...this.#grants.values()].find((g) => g.node === name);
  }

  #onLease(c: Change<V1Lease>): void {
    const before = this.#grants.get(c.key);
    const after = c.after === undefined ? undefined : grantOf(c.after);
    if (after === undefined) this.#grants.delete(c.key);
    else this.#grants.set(c.key, after);
    const atMs = Date.now();
    if (before !== undefined && before.epoch !== after?.epoch) {
      const waiting = [...this.#nodes.values()]
        .filter((n) => n.name !== before.node && this.state(n.name)?.phase === 'acquiring')
        .map((n) => n.name);
      this.grantEvents.push({
        atMs,
        kind: 'released',
        policy: before.policy,
        node: before.node,
        epoch: before.epoch,
        waiting,
      });
      this.#note(before.node, `grant ${before.epoch} released`);
    }
    if (after !== undefined && before?.epoch !== after.epoch) {
      this.grantEvents.push({ atMs, kind: 'given', policy: after.policy, node: after.node, epoch: after.epoch });
      this.#note(after.node, `${c.initial ? 'holds' : 'granted'} ${after.epoch}`);
    }
    for (const g of this.#groups) {
      const held = [...this.#grants.values()].filter((x) => g.name === FLEET_GROUP || x.policy === g.name).length;
      this.#maxGrants.set(g.name, Math.max(this.#maxGrants.get(g.name) ?? 0, held));
    }
    if (c.initial) return;
    this.#checkBudgets();
    this.#changed();
  }

  #checkBudgets(): void {
    // A node NotReady on a fresh list but not yet on the watch went down just now.
    const downSince = (name: string): number => this.#notReadySinceMs.get(name) ?? Date.now();
    const suspected = budgetProblems(
      this.#groups,
      [...this.#nodes.values()],
      [...this.#grants.values()],
      this.#adminCordoned,
      downSince,
    );
    if (suspected.length === 0) return;
    this.#confirming = this.#confirming.then(async () => {
      try {
        const labelSelector = `${FLEET_LABEL}=${this.#o.fleet},${GRANT_LABEL}=true`;
        const [nodes, leases] = await Promise.all([
          this.#core.listNode(),
          this.#leasesApi.listNamespacedLease({ namespace: this.#o.namespace, labelSelector }),
        ]);
        const grants = leases.items.map(grantOf).filter((g): g is Grant => g !== undefined);
        const confirmed = budgetProblems(
          this.#groups,
          nodes.items.map(nodeInfo),
          grants,
          this.#adminCordoned,
          downSince,
        );
        for (const p of confirmed) this.#violation(p);
        if (confirmed.length === 0)
          this.#note('', `not confirmed on a fresh list (watch streams out of order): ${suspected.join('; ')}`);
      } catch (err: unknown) {
        this.#note('', `cannot confirm ${suspected.join('; ')}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}

/**
 * Groups with more unavailable members than their budget allows. Nodes down for reasons of their
 * own (NotReady without a grant, an admin's cordon) may fill a budget by themselves: then the group
 * may have no more unavailable than those (granting one of them adds nothing). A node NotReady by
 * itself since after the group's newest grant, or less than WATCH_LAG_MS before it, is left out:
 * no grant was given knowing it (`downSince`: when the watcher first saw a node NotReady).
 */
function budgetProblems(
  groups: readonly Group[],
  nodes: readonly NodeInfo[],
  grants: readonly Grant[],
  adminCordoned: ReadonlySet<string>,
  downSince: (node: string) => number,
): string[] {
  const holders = new Set(grants.map((g) => g.node));
  const out: string[] = [];
  for (const g of groups) {
    const all = g.members === null ? nodes : nodes.filter((n) => nodeSelectorTermsMatch(g.members!, n.labels));
    const names = new Set(all.map((n) => n.name));
    const newestGrantMs = Math.max(-Infinity, ...grants.filter((x) => names.has(x.node)).map((x) => x.grantedMs));
    const known = (n: NodeInfo) => n.ready || holders.has(n.name) || downSince(n.name) <= newestGrantMs - WATCH_LAG_MS;
    const members = all.filter(known);
    const down = members.filter((n) => !n.ready || n.unschedulable || holders.has(n.name));
    const others = members.filter((n) => (!n.ready && !holders.has(n.name)) || adminCordoned.has(n.name));
    const allowed = Math.max(allowedUnavailable(g.budget, all.length), others.length);
    if (down.length > allowed) {
      const why = down.map(
        (n) =>
          `${n.name}${n.ready ? '' : ' NotReady'}${n.unschedulable ? ' cordoned' : ''}${holders.has(n.name) ? ' grant' : ''}`,
      );
      out.push(`${g.name}: ${down.length} of ${all.length} nodes unavailable (${why.join(', ')}), budget ${allowed}`);
    }
  }
  return out;
}
