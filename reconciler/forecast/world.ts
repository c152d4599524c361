// The simulated cluster of the forecast: Nodes (labels, annotations, Ready, unschedulable), the
// coordinator's grants and the slots each granted agent records, and per budget group the tallies
// its messages need — kept up to date as actions are applied, so facts for a node cost O(its
// groups' unavailable nodes), not O(fleet).
//
// Node records are written with the agent's own codec (policy/state.ts) and read back with it. Who
// may start is decided by the coordinator's own core (coordinator/core, see coordinate.ts): a node
// with a grant sees a free slot in each of its groups and takes it, a node without one sees none and
// waits. The world only stores what the real API server would; the cores interpret it.
import { allowedUnavailable, FLEET_GROUP } from '../../policy/budget.ts';
import type { BudgetFacts } from '../../agent/core/budget.ts';
import type { Action, BlockerFacts, DrainOutcome, Facts } from '../../agent/core/facts.ts';
import type { CoreNode } from '../../coordinator/core/model.ts';
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

/** A budget group (a policy, or the fleet cap) and what the agent's messages about it read. */
export interface SimGroup {
  readonly name: string;
  readonly members: number;
  readonly allowed: number;
  /** Members that are NotReady or unschedulable. */
  readonly down: Set<string>;
  /** Members that hold a grant. */
  readonly holders: Set<string>;
}

/** A grant of the coordinator to a node: while it exists the node may take its slots and reboot. */
export interface SimGrant {
  readonly grantedMs: number;
  /** When its agent stopped renewing it (a reboot); null while it renews. */
  stoppedMs: number | null;
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
  grant: SimGrant | null;
  /** The slots the agent recorded under its grant, one per group. */
  slots: Slot[];
  /** What the coordinator sees of the node (updated in place: the core reads it every decision). */
  readonly core: { -readonly [K in keyof CoreNode]: CoreNode[K] };
}

/** Step actions: the ones the world applies at once (waits, drains and reboots take time). */
export type StepAction = Extract<
  Action,
  { kind: 'markRebootRequired' | 'writeState' | 'acquireSlot' | 'releaseSlots' | 'cordon' | 'uncordon' }
>;

/** What the simulator needs to hear from the world. */
export interface WorldListener {
  /** Something the coordinator decides on changed: a grant released, a node's availability. */
  changed(nowMs: number): void;
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
  /** Nodes that hold a grant. */
  readonly granted = new Set<SimNode>();
  readonly #listener: WorldListener;
  #resourceVersion = 0;

  constructor(specs: readonly SimNodeSpec[], fleetBudget: Budget | null, listener: WorldListener) {
    this.#listener = listener;
    const groups = new Map<string, SimGroup>();
    const group = (name: string, budget: Budget, members: number) =>
      groups.get(name) ??
      groups
        .set(name, { name, members, allowed: allowedUnavailable(budget, members), down: new Set(), holders: new Set() })
        .get(name)!;
    // The policies and which of them each node belongs to (by labels, with or without an agent).
    const configs = [
      ...new Map(specs.flatMap((s) => (s.config === null ? [] : [[s.config.policy.name, s.config]]))).values(),
    ];
    const membership = specs.map((s) => configs.find((c) => nodeSelectorTermsMatch(c.members, s.labels)) ?? null);
    const counts = Map.groupBy(membership, (c) => c?.policy.name ?? null);
    const fleet = fleetBudget === null ? null : group(FLEET_GROUP, fleetBudget, specs.length);
    this.nodes = specs.map((s, i): SimNode => {
      const own =
        s.config === null
          ? []
          : [group(s.config.policy.name, s.config.policy.budget, counts.get(s.config.policy.name)?.length ?? 0)];
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
        grant: null,
        slots: [],
        core: {
          name: s.name,
          uid: `${s.name}-uid`,
          policy: membership[i]?.policy.name ?? null,
          ready: true,
          unschedulable: false,
          cordonedByAgent: false,
          request: null,
        },
      };
    });
    this.groups = groups;
  }

  /** What the agent of `node` would gather now (agent/loop.ts `gather`). */
  facts(node: SimNode): Facts {
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
      budget: node.watching ? this.#budget(node) : null,
      blockers: node.blockers,
      drain: node.drain,
      rebootCommandedMs: node.rebootCommandedMs,
      dryRun: false,
      dryRunReportedMs: null,
    };
  }

  /** Room in every group for a node with a grant, none for one without: the coordinator decided. */
  #budget(node: SimNode): BudgetFacts {
    const groups = node.groups.map((g) => {
      const mine = node.slots.find((s) => s.group === g.name) ?? null;
      let unavailable = 0;
      for (const name of g.down) if (name !== node.name && !g.holders.has(name)) unavailable++;
      return {
        group: g.name,
        members: g.members,
        allowed: g.allowed,
        unavailable,
        inUse: g.holders.size - (g.holders.has(node.name) ? 1 : 0),
        mine,
        candidate: node.grant !== null && mine === null ? { index: 0, expected: null } : null,
        nextExpiryMs: null,
      };
    });
    return { groups, held: node.slots };
  }

  /** The coordinator granted the node. */
  grant(node: SimNode, nowMs: number): void {
    node.grant = { grantedMs: nowMs, stoppedMs: node.up && node.watching ? null : nowMs };
    this.granted.add(node);
    for (const g of node.groups) g.holders.add(node.name);
  }

  /** The agent gives its grant back (it deletes the grant's Lease). */
  #release(node: SimNode, nowMs: number): void {
    if (node.grant === null) return;
    node.grant = null;
    this.granted.delete(node);
    for (const g of node.groups) g.holders.delete(node.name);
    this.#listener.changed(nowMs);
  }

  /** After a run: a grant the agent no longer uses (no slot taken, not waiting to take one) goes back. */
  settle(node: SimNode, waitingForSlots: boolean, nowMs: number): void {
    if (node.grant !== null && node.slots.length === 0 && !waitingForSlots) this.#release(node, nowMs);
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
        // Only under a grant, once per group.
        if (node.grant === null || node.config === null || node.slots.some((s) => s.group === a.group)) return;
        node.slots.push({
          group: a.group,
          index: a.candidate.index,
          holder: node.name,
          renewTimeMs: nowMs,
          ttlMs: node.config.agent.slotTtlMs,
          resourceVersion: String(++this.#resourceVersion),
        });
        return;
      case 'releaseSlots':
        node.slots = node.slots.filter((s) => !a.slots.some((r) => r.group === s.group && r.index === s.index));
        if (node.slots.length === 0) this.#release(node, nowMs);
        return;
      case 'cordon':
      case 'uncordon':
        node.unschedulable = a.kind === 'cordon';
        node.core.cordonedByAgent = node.unschedulable && node.grant !== null;
        return this.#availability(node, nowMs);
    }
  }

  /** The agent process starts or stops renewing (watching and up). */
  setRenewing(node: SimNode, watching: boolean, up: boolean, nowMs: number): void {
    node.watching = watching;
    node.up = up;
    if (node.grant !== null) node.grant.stoppedMs = up && watching ? null : (node.grant.stoppedMs ?? nowMs);
  }

  setReady(node: SimNode, ready: boolean, nowMs: number): void {
    node.ready = ready;
    this.#availability(node, nowMs);
  }

  #availability(node: SimNode, nowMs: number): void {
    node.core.ready = node.ready;
    node.core.unschedulable = node.unschedulable;
    const down = !node.ready || node.unschedulable;
    for (const g of node.groups) {
      if (down) g.down.add(node.name);
      else g.down.delete(node.name);
    }
    this.#listener.changed(nowMs);
  }
}

function setOrDelete(record: Record<string, string>, key: string, value: string | null): void {
  if (value === null) delete record[key];
  else record[key] = value;
}
