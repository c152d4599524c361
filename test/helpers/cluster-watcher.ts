// Watches a real cluster the whole time a scenario runs (every Node, the fleet's slot Leases) and
// checks the safety invariants of DESIGN.md on every change, the way test/fakes/invariants.ts does
// for the fake cluster:
//  1. never more unavailable nodes in a pool (NotReady, unschedulable or holding a live slot) than
//     its budget, nor in the cluster than the fleet cap;
//  2. never start a reboot (a new `acquiring` or `cordoning` record) outside an effective window,
//     while held, or while the test says a blocker holds;
//  3. never uncordon a node an admin cordoned (cordoned before the agents started, or through
//     `adminCordon`); no node rebooted twice (a second `rebooting` record of one node);
// and records a timeline of what happened, for failure messages and measurements.
//
// Nodes and Leases arrive on two watch streams, which may deliver causally ordered changes out of
// order by a few milliseconds (a slot taken right after another node's uncordon may arrive before
// that uncordon). A budget violation seen on the streams is therefore confirmed on a fresh list of
// both before it counts; a real violation lasts at least a drain and a reboot, so it still shows.
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Lease,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { holdReason } from '../../agent/core/blockers.ts';
import { slotIsStale } from '../../agent/core/budget.ts';
import { FLEET_GROUP } from '../../policy/budget.ts';
import { nodeInfo } from '../../kube/nodes.ts';
import { FLEET_LABEL, slotOf } from '../../kube/slots.ts';
import { LAST_REBOOT_ANNOTATION, STATE_ANNOTATION } from '../../policy/keys.ts';
import type { NodeInfo, Slot } from '../../kube/ports.ts';
import { decodeLastReboot, decodeState, type NodeState } from '../../policy/state.ts';
import { allowedUnavailable } from '../../policy/budget.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { AgentConfig, Budget, NodeSelectorTerm, Schedule } from '../../policy/model.ts';
import { compileSchedule, type CompiledSchedule } from '../../policy/windows.ts';
import { listWatch, type Change, type ObjectWatch } from './kube-watch.ts';

export interface WatcherOptions {
  /** Admin credentials (the watcher reads everything). */
  readonly kc: KubeConfig;
  /** Namespace of the fleet's slot Leases. */
  readonly namespace: string;
  readonly fleet: string;
  /** The AgentConfig of every policy of the fleet. */
  readonly configs: readonly AgentConfig[];
  /** Why the test's pod or alert blockers hold `node` right now; undefined when they do not. */
  readonly blocked?: (node: string) => string | undefined;
  /** Also watch the pods of this namespace (the test's workloads). */
  readonly podNamespace?: string;
}

/** A line of the timeline. */
export interface TimelineEntry {
  readonly atMs: number;
  readonly node: string;
  readonly text: string;
}

/** A slot Lease change as the watcher received it. */
export interface SlotEvent {
  readonly atMs: number;
  readonly kind: 'acquired' | 'released';
  readonly group: string;
  readonly index: number;
  readonly holder: string;
  /** On a release: the nodes of the group that recorded they wait for a slot (phase acquiring) at that moment. */
  readonly waiting?: readonly string[];
}

interface Group {
  readonly name: string;
  readonly budget: Budget;
  /** Null: every node of the cluster (the fleet cap). */
  readonly members: readonly NodeSelectorTerm[] | null;
}

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
  readonly slotEvents: SlotEvent[] = [];
  readonly #o: WatcherOptions;
  readonly #core: CoreV1Api;
  readonly #leasesApi: CoordinationV1Api;
  readonly #groups: Group[];
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #slots = new Map<string, Slot>();
  readonly #adminCordoned = new Set<string>();
  readonly #adminActing = new Set<string>();
  readonly #rebootingEntries = new Map<string, number>();
  /** Reboots each node may make while watched (1 unless the test asks for more). */
  readonly #rebootsAllowed = new Map<string, number>();
  readonly #reboots = new Map<string, string[]>();
  readonly #maxSlots = new Map<string, number>();
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
    const nodes = await listWatch<V1Node>({
      kc: o.kc,
      path: '/api/v1/nodes',
      list: () => w.#core.listNode(),
      onChange: (c) => w.#onNode(c),
      onError,
    });
    const labelSelector = `${FLEET_LABEL}=${o.fleet}`;
    const leases = await listWatch<V1Lease>({
      kc: o.kc,
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

  /** Slot Leases as last seen. */
  slots(): Slot[] {
    return [...this.#slots.values()];
  }

  /** Most slots of `group` held at once (from the Lease stream alone, so exact). */
  maxSlotsHeld(group: string): number {
    return this.#maxSlots.get(group) ?? 0;
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

  /** What must hold once all work is over: no record, no slot, no cordon left by an agent. */
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
    const labelSelector = `${FLEET_LABEL}=${this.#o.fleet}`;
    const leases = (await this.#leasesApi.listNamespacedLease({ namespace: this.#o.namespace, labelSelector })).items;
    for (const l of leases) {
      const s = slotOf(l);
      if (s !== undefined) out.push(`slot ${s.group}/${s.index} is still held by ${s.holder}`);
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
      if (now.kind === 'ok' && phase === 'acquiring')
        this.#checkStart(name, config, after, now.state.startedMs, 'took up a reboot (acquiring)');
      if (now.kind === 'ok' && phase === 'cordoning')
        this.#checkStart(name, config, after, now.state.sinceMs, 'started a reboot (cordoning)');
      if (phase === 'rebooting') {
        const entries = (this.#rebootingEntries.get(name) ?? 0) + 1;
        this.#rebootingEntries.set(name, entries);
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

  #onLease(c: Change<V1Lease>): void {
    const before = this.#slots.get(c.key);
    const after = c.after === undefined ? undefined : slotOf(c.after);
    if (after === undefined) this.#slots.delete(c.key);
    else this.#slots.set(c.key, after);
    const atMs = Date.now();
    if (before !== undefined && before.holder !== after?.holder) {
      const group = this.#groups.find((g) => g.name === before.group);
      const waiting = [...this.#nodes.values()]
        .filter((n) => n.name !== before.holder && this.state(n.name)?.phase === 'acquiring')
        .filter((n) => group === undefined || group.members === null || nodeSelectorTermsMatch(group.members, n.labels))
        .map((n) => n.name);
      this.slotEvents.push({
        atMs,
        kind: 'released',
        group: before.group,
        index: before.index,
        holder: before.holder,
        waiting,
      });
      this.#note(
        before.holder,
        `slot ${before.group}/${before.index} ${after === undefined ? 'released' : `taken over by ${after.holder}`}`,
      );
    }
    if (after !== undefined && before?.holder !== after.holder) {
      this.slotEvents.push({ atMs, kind: 'acquired', group: after.group, index: after.index, holder: after.holder });
      this.#note(after.holder, `${c.initial ? 'holds' : 'took'} slot ${after.group}/${after.index}`);
    }
    for (const g of this.#groups) {
      const held = [...this.#slots.values()].filter((s) => s.group === g.name).length;
      this.#maxSlots.set(g.name, Math.max(this.#maxSlots.get(g.name) ?? 0, held));
    }
    if (c.initial) return;
    this.#checkBudgets();
    this.#changed();
  }

  #checkBudgets(): void {
    const suspected = budgetProblems(this.#groups, [...this.#nodes.values()], [...this.#slots.values()], Date.now());
    if (suspected.length === 0) return;
    this.#confirming = this.#confirming.then(async () => {
      try {
        const labelSelector = `${FLEET_LABEL}=${this.#o.fleet}`;
        const [nodes, leases] = await Promise.all([
          this.#core.listNode(),
          this.#leasesApi.listNamespacedLease({ namespace: this.#o.namespace, labelSelector }),
        ]);
        const slots = leases.items.map(slotOf).filter((s): s is Slot => s !== undefined);
        const confirmed = budgetProblems(this.#groups, nodes.items.map(nodeInfo), slots, Date.now());
        for (const p of confirmed) this.#violation(p);
        if (confirmed.length === 0)
          this.#note('', `not confirmed on a fresh list (watch streams out of order): ${suspected.join('; ')}`);
      } catch (err: unknown) {
        this.#note('', `cannot confirm ${suspected.join('; ')}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}

/** Groups with more unavailable members than their budget allows. */
function budgetProblems(
  groups: readonly Group[],
  nodes: readonly NodeInfo[],
  slots: readonly Slot[],
  nowMs: number,
): string[] {
  const names = new Set(nodes.map((n) => n.name));
  const out: string[] = [];
  for (const g of groups) {
    const holders = new Set(
      slots.filter((s) => s.group === g.name && !slotIsStale(s, names, nowMs)).map((s) => s.holder),
    );
    const members = g.members === null ? nodes : nodes.filter((n) => nodeSelectorTermsMatch(g.members!, n.labels));
    const down = members.filter((n) => !n.ready || n.unschedulable || holders.has(n.name));
    const allowed = allowedUnavailable(g.budget, members.length);
    if (down.length > allowed) {
      const why = down.map(
        (n) =>
          `${n.name}${n.ready ? '' : ' NotReady'}${n.unschedulable ? ' cordoned' : ''}${holders.has(n.name) ? ' slot' : ''}`,
      );
      out.push(
        `${g.name}: ${down.length} of ${members.length} nodes unavailable (${why.join(', ')}), budget ${allowed}`,
      );
    }
  }
  return out;
}
