// The simulated cluster of the forecast: Nodes (labels, annotations, Ready, unschedulable), slot
// Leases and, per slot group, the tallies the budget rule needs — kept up to date as actions are
// applied, so facts for a node cost O(its groups' unavailable nodes + slots), not O(fleet).
//
// Node records are written with the agent's own codec (policy/state.ts) and read back with it, and
// the budget facts come from the agent's own rule (policy/slots.ts `budgetFactsOfTallies`): the
// world only stores what the real API server would, and the core interprets it.
import { budgetFactsOfTallies, type GroupTally } from '../../agent/core/budget.ts';
import { FLEET_GROUP } from '../../policy/budget.ts';
import type { Action, BlockerFacts, DrainOutcome, Facts } from '../../agent/core/facts.ts';
import {
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import type { Slot } from '../../kube/ports.ts';
import { decodeLastReboot, decodeState, encodeLastReboot, encodeState, type StateRead } from '../../policy/state.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { AgentConfig, Budget } from '../../policy/model.ts';

/** A node to simulate: its labels, its policy (null: no agent runs on it), whether it needs a reboot. */
export interface SimNodeSpec {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly config: AgentConfig | null;
  readonly pending: boolean;
}

/** A slot group (a policy, or the fleet cap) and what its budget rule reads. */
export interface SimGroup {
  readonly name: string;
  readonly budget: Budget;
  readonly members: number;
  /** Members that are NotReady or unschedulable. */
  readonly down: Set<string>;
  /** Slot Leases by index. */
  readonly slots: Map<number, Slot>;
}

/** One simulated Node, its host and what its agent process remembers. */
export interface SimNode {
  readonly name: string;
  readonly config: AgentConfig | null;
  /** Policy group, then the fleet group when there is a cap. */
  readonly groups: readonly SimGroup[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ready: boolean;
  unschedulable: boolean;
  /** The host's sentinel (a reboot clears it). */
  sentinel: boolean;
  bootId: string;
  boots: number;
  /** The agent process runs (false from the reboot command until the node is back). */
  up: boolean;
  // The agent's memory (agent/runtime.ts Memory), lost when the process restarts.
  watching: boolean;
  blockers: BlockerFacts | null;
  drain: DrainOutcome | null;
  rebootCommandedMs: number | null;
  /** Last decoded state annotation, so unchanged values are not parsed again. */
  decoded: { readonly raw: string | undefined; readonly read: StateRead };
}

/** Step actions: the ones the world applies at once (waits, drains and reboots take time). */
export type StepAction = Extract<
  Action,
  { kind: 'markRebootRequired' | 'writeState' | 'acquireSlot' | 'releaseSlots' | 'cordon' | 'uncordon' }
>;

/** What the simulator needs to hear from the world. */
export interface WorldListener {
  /** A group may have room it had not: a slot freed, or a member no longer NotReady/unschedulable. */
  freed(group: SimGroup, nowMs: number): void;
  /** A slot stopped being renewed; unless renewed again it is stale from `staleMs` on. */
  aging(group: SimGroup, staleMs: number): void;
}

/**
 * N of a policy's slot group, counted as the agent counts it (policy/slots.ts `budgetFacts`): every
 * node whose labels match the policy's members, also those its DaemonSet does not run on (taints).
 */
export function countMembers(
  config: AgentConfig,
  nodes: readonly { readonly labels: Readonly<Record<string, string>> }[],
): number {
  let n = 0;
  for (const node of nodes) if (nodeSelectorTermsMatch(config.members, node.labels)) n++;
  return n;
}

export class SimWorld {
  readonly nodes: readonly SimNode[];
  readonly groups: ReadonlyMap<string, SimGroup>;
  readonly #byName: ReadonlyMap<string, SimNode>;
  readonly #names: ReadonlySet<string>;
  readonly #listener: WorldListener;
  #resourceVersion = 0;

  constructor(specs: readonly SimNodeSpec[], fleetBudget: Budget | null, listener: WorldListener) {
    this.#listener = listener;
    const groups = new Map<string, SimGroup>();
    const group = (name: string, budget: Budget, members: number) =>
      groups.get(name) ?? groups.set(name, { name, budget, members, down: new Set(), slots: new Map() }).get(name)!;
    const counts = new Map<string, number>();
    for (const s of specs) {
      if (s.config !== null && !counts.has(s.config.policy.name))
        counts.set(s.config.policy.name, countMembers(s.config, specs));
    }
    const fleet = fleetBudget === null ? null : group(FLEET_GROUP, fleetBudget, specs.length);
    this.nodes = specs.map((s): SimNode => {
      const own =
        s.config === null
          ? []
          : [group(s.config.policy.name, s.config.policy.budget, counts.get(s.config.policy.name)!)];
      return {
        name: s.name,
        config: s.config,
        groups: fleet === null ? own : [...own, fleet],
        labels: { ...s.labels },
        annotations: {},
        ready: true,
        unschedulable: false,
        sentinel: s.pending,
        bootId: `${s.name}-boot-0`,
        boots: 0,
        up: true,
        watching: false,
        blockers: null,
        drain: null,
        rebootCommandedMs: null,
        decoded: { raw: undefined, read: { kind: 'none' } },
      };
    });
    this.groups = groups;
    this.#byName = new Map(this.nodes.map((n) => [n.name, n]));
    this.#names = new Set(this.#byName.keys());
  }

  /** What the agent of `node` would gather now (agent/loop.ts `gather`). */
  facts(node: SimNode, nowMs: number): Facts {
    const raw = node.annotations[STATE_ANNOTATION];
    if (node.decoded.raw !== raw) node.decoded = { raw, read: decodeState(raw) };
    return {
      nodeName: node.name,
      node: {
        labels: node.labels,
        annotations: node.annotations,
        unschedulable: node.unschedulable,
        ready: node.ready,
      },
      state: node.decoded.read,
      lastReboot: decodeLastReboot(node.annotations[LAST_REBOOT_ANNOTATION]) ?? null,
      rebootRequired: node.sentinel,
      bootId: node.bootId,
      budget: node.watching ? this.#budget(node, nowMs) : null,
      blockers: node.blockers,
      drain: node.drain,
      rebootCommandedMs: node.rebootCommandedMs,
      dryRun: false,
      dryRunReportedMs: null,
    };
  }

  #budget(node: SimNode, nowMs: number): Facts['budget'] {
    const groups: GroupTally[] = node.groups.map((g) => ({
      group: g.name,
      budget: g.budget,
      members: g.members,
      down: [...g.down],
    }));
    const slots: Slot[] = [];
    for (const g of node.groups) {
      // A running agent's keeper renews its slots every TTL/3: as seen by others they are fresh.
      for (const s of g.slots.values()) slots.push(this.#renewing(s.holder) ? { ...s, renewTimeMs: nowMs } : s);
    }
    return budgetFactsOfTallies({ nodeName: node.name, groups, slots, nodeNames: this.#names, nowMs });
  }

  #renewing(holder: string): boolean {
    const n = this.#byName.get(holder);
    return n !== undefined && n.up && n.watching;
  }

  /** Applies a step the way the API server would take its patch or Lease call. */
  apply(node: SimNode, a: StepAction, nowMs: number): void {
    switch (a.kind) {
      case 'markRebootRequired':
        setOrDelete(node.labels, REBOOT_REQUIRED_LABEL, a.required ? 'true' : null);
        setOrDelete(
          node.annotations,
          REBOOT_REQUIRED_SINCE_ANNOTATION,
          a.required ? new Date(nowMs).toISOString() : null,
        );
        return;
      case 'writeState':
        setOrDelete(node.annotations, STATE_ANNOTATION, a.state === null ? null : encodeState(a.state));
        if (a.lastReboot !== undefined) node.annotations[LAST_REBOOT_ANNOTATION] = encodeLastReboot(a.lastReboot);
        for (const [key, value] of Object.entries(a.labels ?? {})) setOrDelete(node.labels, key, value);
        return;
      case 'acquireSlot':
        return this.#acquire(node, a.group, a.candidate.index, a.candidate.expected, nowMs);
      case 'releaseSlots':
        for (const ref of a.slots) {
          const g = this.groups.get(ref.group);
          if (g?.slots.get(ref.index)?.holder !== node.name) continue;
          g.slots.delete(ref.index);
          this.#listener.freed(g, nowMs);
        }
        return;
      case 'cordon':
      case 'uncordon':
        node.unschedulable = a.kind === 'cordon';
        return this.#availability(node, nowMs);
    }
  }

  #acquire(node: SimNode, group: string, index: number, expected: Slot | null, nowMs: number): void {
    const g = this.groups.get(group);
    if (g === undefined || node.config === null) return;
    const current = g.slots.get(index);
    // Create, or take over exactly the Lease that was seen (resourceVersion precondition).
    const wins = expected === null ? current === undefined : current?.resourceVersion === expected.resourceVersion;
    if (!wins) return;
    g.slots.set(index, {
      group,
      index,
      holder: node.name,
      renewTimeMs: nowMs,
      ttlMs: node.config.agent.slotTtlMs,
      resourceVersion: String(++this.#resourceVersion),
    });
  }

  /** The agent process starts or stops renewing (watching and up); a stop starts its slots aging. */
  setRenewing(node: SimNode, watching: boolean, up: boolean, nowMs: number): void {
    const before = node.up && node.watching;
    node.watching = watching;
    node.up = up;
    if (!before || (up && watching)) return;
    for (const g of node.groups) {
      for (const [index, s] of g.slots) {
        if (s.holder !== node.name) continue;
        g.slots.set(index, { ...s, renewTimeMs: nowMs });
        this.#listener.aging(g, nowMs + s.ttlMs);
      }
    }
  }

  setReady(node: SimNode, ready: boolean, nowMs: number): void {
    node.ready = ready;
    this.#availability(node, nowMs);
  }

  #availability(node: SimNode, nowMs: number): void {
    const down = !node.ready || node.unschedulable;
    for (const g of node.groups) {
      if (down) g.down.add(node.name);
      else if (g.down.delete(node.name)) this.#listener.freed(g, nowMs);
    }
  }
}

function setOrDelete(record: Record<string, string>, key: string, value: string | null): void {
  if (value === null) delete record[key];
  else record[key] = value;
}
