// Budget arithmetic of the agent (pure): which slot Lease a node may try to take, from plain lists
// of nodes and slots. The loop feeds it its watch caches; the forecast keeps per-group tallies of
// its simulated nodes and asks `budgetFactsOfTallies`, the same rule without the O(nodes) scan.
//
// Rule (DESIGN.md "Budget"): a group of N member nodes allows B = allowedUnavailable(budget, N)
// unavailable at once; a node is unavailable when it is NotReady, unschedulable or holds a slot.
// With U = members other than this node that are unavailable without holding a live slot, and I =
// live slots held by other nodes, this node may take a slot only when I + U + 1 <= B, and only the
// lowest free index below B - U. Racing agents therefore contend for the same Lease name and the
// API server's create (or resourceVersion-checked takeover) picks one winner: no central lock.
// A slot is free when no Lease exists, when it was not renewed within its TTL, or when its holder
// is not a node any more. Nodes holding a live slot count once, through the slot.
import { allowedUnavailable, FLEET_GROUP } from '../../policy/budget.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { AgentConfig, Budget, NodeSelectorTerm } from '../../policy/model.ts';
import type { Slot } from '../../kube/ports.ts';

/** What the budget needs to know of a node. */
export interface BudgetNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ready: boolean;
  readonly unschedulable: boolean;
}

/** A slot this node may try to take: create it, or take over `expected` (a stale Lease). */
export interface SlotCandidate {
  readonly index: number;
  readonly expected: Slot | null;
}

/** One slot group (a policy, or the fleet cap) as this node sees it. */
export interface GroupBudget {
  readonly group: string;
  /** N: member nodes. */
  readonly members: number;
  /** B: unavailable nodes allowed at once. */
  readonly allowed: number;
  /** U: other members that are NotReady or unschedulable and hold no live slot. */
  readonly unavailable: number;
  /** I: live slots of the group held by other nodes. */
  readonly inUse: number;
  /** The group's slot held by this node (live or not: it is still ours to renew), if any. */
  readonly mine: Slot | null;
  /** What to try next; null when this node holds a slot or the budget is spent. */
  readonly candidate: SlotCandidate | null;
  /** The earliest instant a live slot of another node expires (when to look again), if any. */
  readonly nextExpiryMs: number | null;
}

/** The budget facts of one node: its policy's group, then the fleet cap when there is one. */
export interface BudgetFacts {
  readonly groups: readonly GroupBudget[];
  /** Every slot Lease this node holds, in any group. */
  readonly held: readonly Slot[];
}

/** Plain lists, as a watch cache or a simulator holds them. */
export interface BudgetInput {
  readonly config: Pick<AgentConfig, 'policy' | 'members' | 'fleetBudget'>;
  readonly nodeName: string;
  readonly nodes: readonly BudgetNode[];
  readonly slots: readonly Slot[];
  readonly nowMs: number;
}

/** The budget facts for `nodeName` from every node and every slot Lease of the fleet. */
export function budgetFacts(input: BudgetInput): BudgetFacts {
  const { config, nodeName, nodes, slots, nowMs } = input;
  const tally = (group: string, budget: Budget, terms: readonly NodeSelectorTerm[] | null): GroupTally => {
    const members = terms === null ? nodes : nodes.filter((n) => nodeSelectorTermsMatch(terms, n.labels));
    return {
      group,
      budget,
      members: members.length,
      down: members.filter((n) => !n.ready || n.unschedulable).map((n) => n.name),
    };
  };
  const groups = [tally(config.policy.name, config.policy.budget, config.members)];
  // The fleet-wide cap is cluster-wide: every node of the cluster counts.
  if (config.fleetBudget !== null) groups.push(tally(FLEET_GROUP, config.fleetBudget, null));
  return budgetFactsOfTallies({ nodeName, groups, slots, nodeNames: new Set(nodes.map((n) => n.name)), nowMs });
}

/** A slot group's members as counts, for a caller that keeps them itself (the forecast). */
export interface GroupTally {
  readonly group: string;
  readonly budget: Budget;
  /** N: member nodes. */
  readonly members: number;
  /** Members that are NotReady or unschedulable (this node included when it is). */
  readonly down: readonly string[];
}

/** Tallies instead of node lists: the same rule at a cost of O(down + slots) instead of O(nodes). */
export interface TalliedBudgetInput {
  readonly nodeName: string;
  /** The node's policy group first, then the fleet group when there is a cap. */
  readonly groups: readonly GroupTally[];
  /** Slot Leases: at least every one of these groups' and every one this node holds. */
  readonly slots: readonly Slot[];
  /** Every node of the cluster (a slot held by any other name is stale). */
  readonly nodeNames: ReadonlySet<string>;
  readonly nowMs: number;
}

/** The budget facts from group tallies; `budgetFacts` is this after counting its node lists. */
export function budgetFactsOfTallies(input: TalliedBudgetInput): BudgetFacts {
  const { nodeName, slots, nowMs } = input;
  const groups = input.groups.map((g) => groupBudget({ ...g, nodeName, slots, names: input.nodeNames, nowMs }));
  return { groups, held: slots.filter((s) => s.holder === nodeName).sort(bySlot) };
}

/** A slot not renewed within its TTL, or held by a node that does not exist, is free to take over. */
export function slotIsStale(slot: Slot, nodeNames: ReadonlySet<string>, nowMs: number): boolean {
  return nowMs >= slot.renewTimeMs + slot.ttlMs || !nodeNames.has(slot.holder);
}

interface GroupInput extends GroupTally {
  readonly nodeName: string;
  readonly slots: readonly Slot[];
  readonly names: ReadonlySet<string>;
  readonly nowMs: number;
}

function groupBudget(g: GroupInput): GroupBudget {
  const allowed = allowedUnavailable(g.budget, g.members);
  const inGroup = g.slots.filter((s) => s.group === g.group);
  const live = inGroup.filter((s) => !slotIsStale(s, g.names, g.nowMs));
  const liveHolders = new Set(live.map((s) => s.holder));
  const unavailable = g.down.filter((name) => name !== g.nodeName && !liveHolders.has(name)).length;
  const others = live.filter((s) => s.holder !== g.nodeName);
  const mine = inGroup.filter((s) => s.holder === g.nodeName).sort(bySlot)[0] ?? null;
  const expiries = others.map((s) => s.renewTimeMs + s.ttlMs);
  const nextExpiryMs = expiries.length > 0 ? Math.min(...expiries) : null;
  let candidate: SlotCandidate | null = null;
  if (mine === null && others.length + unavailable < allowed) {
    const byIndex = new Map(inGroup.map((s) => [s.index, s]));
    for (let index = 0; index < allowed - unavailable && candidate === null; index++) {
      const lease = byIndex.get(index);
      if (lease === undefined) candidate = { index, expected: null };
      else if (slotIsStale(lease, g.names, g.nowMs)) candidate = { index, expected: lease };
    }
  }
  return {
    group: g.group,
    members: g.members,
    allowed,
    unavailable,
    inUse: others.length,
    mine,
    candidate,
    nextExpiryMs,
  };
}

function bySlot(a: Slot, b: Slot): number {
  return a.group < b.group ? -1 : a.group > b.group ? 1 : a.index - b.index;
}
