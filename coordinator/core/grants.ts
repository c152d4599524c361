// The coordinator's decision (pure): which waiting nodes get a grant now. Input and output are plain
// data (model.ts); the coordinator's shell carries the answer out, the forecast replays it.
//
// Rule (docs/decisions/0007): a policy of N member nodes allows B = allowedUnavailable(budget, N)
// unavailable at once, the Fleet's cap B' over every node of the cluster. A node is unavailable
// when it is NotReady, unschedulable or holds a grant (live or stalled). A waiting node whose start
// gate is open and whose blockers are clear is granted when every group it belongs to stays within
// its budget with it counted. A node cordoned by someone else (an admin, another tool) stays
// unavailable whatever patchwindow does: it adds nothing to any count and is granted whenever its
// gate is open (a grant marked so: its agent starts only while the node is still cordoned). A node
// that is only NotReady may become Ready by itself, so it takes budget, counted once (it is in the
// count already); a pool whose NotReady nodes alone fill its budget waits. Grants are never taken
// from a holder that may still act: a stalled one keeps its grant and its pool waits; only a grant
// whose Node is gone (or replaced under the same name) is freed, and still counts in this round.
// A request its agent has not refreshed within the policy's request TTL is not granted: a stalled
// agent (whose stalled grant an operator may have freed) gets nothing until it shows it is alive.
import { allowedUnavailable } from '../../policy/budget.ts';
import type {
  CoreInput,
  CoreNode,
  CoreOutput,
  CorePolicy,
  FreeDecision,
  GrantDecision,
  GuardHold,
  HoldReason,
  PoolHold,
  StalledGrant,
} from './model.ts';
import { admission, type Admission } from './admission.ts';
import { isAlive, silentHold } from './liveness.ts';
import { listNames } from './names.ts';
import { compareUrgency, compareWaiters, urgencies } from './urgency.ts';

/** A budget group: one policy, or the fleet cap. */
interface Group {
  readonly allowed: number;
  readonly unavailable: Set<string>;
}

/** A policy's state during one decision. */
interface PolicyRound {
  readonly policy: CorePolicy;
  readonly group: Group;
  readonly windowEndMs: number;
  /** Grantable nodes not yet granted, in waiter order. */
  readonly queue: CoreNode[];
  /** What the policy's guard rails let start. */
  readonly admit: Admission;
}

const FLEET = '\u0000fleet';

/** What the coordinator does now. Pure; O(nodes + grants + grants given × policies). */
export function decideGrants(input: CoreInput): CoreOutput {
  const { nowMs } = input;
  const policies = new Map(input.policies.map((p) => [p.name, p]));
  const members = new Map<string, number>();
  // One pass over the nodes, no index of them all: the decision runs after every change (and the
  // forecast runs it thousands of times on 5,000 nodes), so it stays one cheap O(nodes) sweep.
  const grantedNames = new Set(input.grants.map((g) => g.node));
  const byName = new Map<string, CoreNode>();
  const down: CoreNode[] = [];
  const requests = new Map<string, CoreNode[]>();
  for (const n of input.nodes) {
    if (grantedNames.has(n.name)) byName.set(n.name, n);
    if (!n.ready || n.unschedulable) down.push(n);
    if (n.policy === null || !policies.has(n.policy)) continue;
    members.set(n.policy, (members.get(n.policy) ?? 0) + 1);
    if (n.request !== null) (requests.get(n.policy) ?? requests.set(n.policy, []).get(n.policy)!).push(n);
  }
  const groups = new Map<string, Group>();
  for (const p of input.policies)
    groups.set(p.name, {
      allowed: allowedUnavailable(p.budget, members.get(p.name) ?? 0),
      unavailable: new Set(),
    });
  const fleet =
    input.fleetBudget === null
      ? null
      : {
          allowed: allowedUnavailable(input.fleetBudget, input.nodes.length),
          unavailable: new Set<string>(),
        };
  const groupsOf = (policy: string | null): Group[] => {
    const own = policy === null ? undefined : groups.get(policy);
    return [...(own ? [own] : []), ...(fleet ? [fleet] : [])];
  };
  const markUnavailable = (name: string, policy: string | null) => {
    for (const g of groupsOf(policy)) g.unavailable.add(name);
  };

  const free: FreeDecision[] = [];
  const stalled: StalledGrant[] = [];
  const stalledNames = new Set<string>();
  const granted = new Set<string>();
  let nextChangeMs = Infinity;
  for (const g of input.grants) {
    granted.add(g.node);
    const node = byName.get(g.node);
    if (node === undefined) free.push({ node: g.node, policy: g.policy, reason: 'node-deleted' });
    else if (node.uid !== g.nodeUid) free.push({ node: g.node, policy: g.policy, reason: 'node-replaced' });
    // Counted under the policy it was granted for, also while being freed (until it is gone).
    markUnavailable(node === undefined ? `${FLEET}${g.node}` : g.node, g.policy);
    const staleMs = g.renewedMs + g.ttlMs;
    if (nowMs >= staleMs) {
      stalled.push({ node: g.node, policy: g.policy, sinceMs: g.renewedMs });
      stalledNames.add(g.node);
    } else nextChangeMs = Math.min(nextChangeMs, staleMs);
  }
  for (const n of down) markUnavailable(n.name, n.policy);
  // Down for reasons of their own also while granted (a grant that took no budget).
  const cordonedByOthers = new Set(down.filter((n) => n.unschedulable && !n.cordonedByAgent).map((n) => n.name));

  const holds: PoolHold[] = [];
  const grant: GrantDecision[] = [];
  const rounds: PolicyRound[] = [];
  const guards = new Map<string, GuardHold[]>();
  for (const g of input.guards ?? []) guards.set(g.policy, [...(guards.get(g.policy) ?? []), g]);
  for (const p of input.policies) {
    const asking = (requests.get(p.name) ?? []).filter((n) => !granted.has(n.name));
    // A requester that stopped refreshing may be stalled: granted, it would hold the pool's budget
    // without acting (and an operator who freed its stalled grant would see it granted again).
    const silent = asking.filter((n) => !isAlive(n, p, nowMs));
    const waiting = asking
      .filter((n) => isAlive(n, p, nowMs))
      .sort((a, b) => compareWaiters(waiterKey(a), waiterKey(b)));
    if (waiting.length === 0) {
      if (silent.length > 0) holds.push(silentHold(p.name, silent));
      continue;
    }
    const own = guards.get(p.name) ?? [];
    for (const g of own) if (g.untilMs !== null) nextChangeMs = Math.min(nextChangeMs, g.untilMs);
    const admit = admission(own);
    if (!waiting.some((n) => admit.admits(n.name))) {
      // A guard holds even a node that is down already: a halted or unhealthy pool starts nothing.
      holds.push(guardHold(admit.holding(waiting[0]!.name)!, waiting.length));
      continue;
    }
    const gate = p.schedule.canStart(nowMs, p.neededMs);
    if (!gate.ok) {
      if (gate.nextStartMs !== undefined) nextChangeMs = Math.min(nextChangeMs, gate.nextStartMs);
      holds.push({
        policy: p.name,
        reason: gate.reason,
        detail: gateDetail(gate.reason, gate.nextStartMs),
        nodes: [],
        waiting: waiting.length,
      });
      continue;
    }
    // The gate closes when too little of the window is left for drain and reboot.
    nextChangeMs = Math.min(nextChangeMs, gate.window.endMs - p.neededMs + 1);
    const blocked = waiting.filter((n) => n.request!.blocked !== null);
    const ready = waiting.filter((n) => n.request!.blocked === null);
    for (const n of ready) {
      // Not added to `granted`: the pool's hold still names it as down for another reason.
      if (!n.unschedulable || !admit.admits(n.name)) continue;
      admit.take(n.name);
      grant.push({ node: n.name, nodeUid: n.uid, policy: p.name, reason: 'already-unavailable' });
    }
    const queue = ready.filter((n) => !n.unschedulable);
    if (blocked.length > 0 && queue.length === 0 && ready.length === 0) {
      holds.push({
        policy: p.name,
        reason: 'blocked',
        detail: blocked.map((n) => `${n.name}: ${n.request!.blocked}`).join('; '),
        nodes: blocked.map((n) => n.name),
        waiting: blocked.length,
      });
    }
    if (queue.length > 0)
      rounds.push({ policy: p, group: groups.get(p.name)!, windowEndMs: gate.window.endMs, queue, admit });
  }

  // Fill the budgets in urgency order, recomputed after each grant.
  const fitting = (r: PolicyRound): number =>
    r.queue.findIndex(
      (n) => r.admit.admits(n.name) && hasRoomFor(r.group, n.name) && (fleet === null || hasRoomFor(fleet, n.name)),
    );
  for (;;) {
    const fits = rounds.filter((r) => fitting(r) >= 0);
    if (fits.length === 0) break;
    const best = fleet === null || fits.length === 1 ? fits[0]! : mostUrgent(rounds, fits, fleet, nowMs);
    const n = best.queue.splice(fitting(best), 1)[0]!;
    best.admit.take(n.name);
    markUnavailable(n.name, n.policy);
    granted.add(n.name);
    grant.push({ node: n.name, nodeUid: n.uid, policy: best.policy.name, reason: 'budget' });
  }
  for (const r of rounds) {
    if (r.queue.length === 0) continue;
    const guard = admitted(r) < 0 ? r.admit.holding(r.queue[0]!.name) : undefined;
    holds.push(
      guard ? guardHold(guard, r.queue.length) : budgetHold(r, fleet, granted, cordonedByOthers, stalledNames),
    );
  }
  return {
    grant,
    free,
    stalled,
    holds,
    nextChangeMs: Number.isFinite(nextChangeMs) ? nextChangeMs : null,
  };
}

/**
 * The round to serve first under the fleet cap. Without a cap the policies share nothing, and every
 * round that fits is served anyway. The rollout's end is reckoned over every policy still waiting,
 * also those whose own budget is full now.
 */
function mostUrgent(
  rounds: readonly PolicyRound[],
  fits: readonly PolicyRound[],
  fleet: Group,
  nowMs: number,
): PolicyRound {
  const waiting = rounds.filter((r) => r.queue.length > 0);
  const us = urgencies(
    waiting.map((r) => ({
      policy: r.policy.name,
      schedule: r.policy.schedule,
      neededMs: r.policy.neededMs,
      lanes: Math.min(r.group.allowed, fleet.allowed),
      waiting: r.queue.length,
    })),
    nowMs,
  );
  const fitting = new Set(fits);
  return waiting
    .map((r, i) => ({ r, u: us[i]! }))
    .filter((x) => fitting.has(x.r))
    .sort((a, b) => compareUrgency(a.u, b.u))[0]!.r;
}

/** Index in the queue of the first node the guards let start; -1: none. */
function admitted(r: PolicyRound): number {
  return r.queue.findIndex((n) => r.admit.admits(n.name));
}

function guardHold(g: GuardHold, waiting: number): PoolHold {
  return { policy: g.policy, reason: g.reason, detail: g.detail, nodes: g.nodes, waiting };
}

function waiterKey(n: CoreNode): { name: string; sinceMs: number } {
  return { name: n.name, sinceMs: n.request!.sinceMs };
}

function hasRoom(g: Group): boolean {
  return g.unavailable.size < g.allowed;
}

/** Room in `g` for `name`, which adds nothing to the count when it is down already (NotReady). */
function hasRoomFor(g: Group, name: string): boolean {
  return g.unavailable.size - (g.unavailable.has(name) ? 1 : 0) < g.allowed;
}

function gateDetail(reason: 'paused' | 'outside-window' | 'window-too-short', nextStartMs: number | undefined): string {
  const what = {
    paused: 'the policy is paused',
    'outside-window': 'outside the maintenance window',
    'window-too-short': 'too little time left in the window for drain and reboot',
  }[reason];
  return nextStartMs === undefined
    ? `${what}; no start possible within the horizon`
    : `${what}; next start ${new Date(nextStartMs).toISOString()}`;
}

/** Why a policy with grantable nodes left got no more: what fills its budget, or the fleet cap. */
function budgetHold(
  r: PolicyRound,
  fleet: Group | null,
  granted: ReadonlySet<string>,
  cordonedByOthers: ReadonlySet<string>,
  stalled: ReadonlySet<string>,
): PoolHold {
  const full = hasRoom(r.group) ? fleet! : r.group;
  // Deleted holders are counted under a name no node can have, and named by no one.
  const holders = [...full.unavailable].filter((name) => !name.startsWith(FLEET)).sort();
  const stalledHolders = holders.filter((name) => stalled.has(name));
  const others = holders.filter((name) => !granted.has(name) || cordonedByOthers.has(name));
  const waiting = r.queue.length;
  const what =
    full === r.group
      ? `budget of policy ${r.policy.name} (${r.group.allowed} at once)`
      : `fleet-wide cap (${full.allowed} at once)`;
  let reason: HoldReason = full === r.group ? 'budget' : 'fleet-cap';
  let nodes = holders;
  let detail = `${waiting} node(s) wait: the ${what} is in use by ${listNames(holders) || 'nodes being freed'}`;
  if (stalledHolders.length > 0) {
    reason = 'stalled-holder';
    nodes = stalledHolders;
    detail = `${waiting} node(s) wait: the ${what} is held by ${listNames(stalledHolders)}, whose agent stopped renewing its grant`;
  } else if (others.length > 0) {
    reason = 'held-by-unavailable';
    nodes = others;
    detail = `${waiting} node(s) wait: the ${what} is taken by ${listNames(others)}, unavailable (cordoned or NotReady) without a reboot by patchwindow`;
  }
  return { policy: r.policy.name, reason, detail, nodes, waiting };
}
