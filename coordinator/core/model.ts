// The plain data of the coordinator's grant decision: what it knows of every Node, every grant and
// every policy (CoreInput), and what it does next (CoreOutput). The coordinator's shell builds the
// input from its caches; the forecast builds it from its simulated cluster. Nothing here refers to
// adapters, clocks or the Kubernetes API.
import type { Budget } from '../../policy/model.ts';
import type { CompiledSchedule } from '../../policy/windows.ts';

/** An agent's published request for a grant (annotation patchwindow.io/request on its Node). */
export interface CoreRequest {
  /** When the agent first asked for this reboot (kept across rewrites of the request). */
  readonly sinceMs: number;
  /** Why the pod or alert blockers hold the node now; null: clear. */
  readonly blocked: string | null;
  /**
   * The agent's last sign of life on the request: when it wrote or last refreshed it. A request not
   * refreshed within its policy's requestTtlMs is not granted: its agent may be stalled (and a
   * stalled agent whose grant an operator freed must not get it back before it shows it is alive).
   */
  readonly aliveMs: number;
}

/** What the coordinator knows of a Node. */
export interface CoreNode {
  readonly name: string;
  /** metadata.uid: a Node deleted and created again under the same name has another. */
  readonly uid: string;
  /** The policy whose members include the node; null: none (counts only for the fleet cap). */
  readonly policy: string | null;
  /** The Ready condition is True. */
  readonly ready: boolean;
  /** spec.unschedulable. */
  readonly unschedulable: boolean;
  /** The cordon carries an agent's ownership mark (annotation patchwindow.io/cordoned-by). */
  readonly cordonedByAgent: boolean;
  /** Null: the node's agent asks for nothing. */
  readonly request: CoreRequest | null;
}

/** A grant (one Lease per granted node): while it exists the node may cordon, drain and reboot. */
export interface CoreGrant {
  readonly node: string;
  /** uid of the Node the grant was given to. */
  readonly nodeUid: string;
  readonly policy: string;
  readonly grantedMs: number;
  /** Last renewal by the holder's agent. */
  readonly renewedMs: number;
  /** Not renewed for this long: the holder is stalled (it keeps the grant; the pool waits). */
  readonly ttlMs: number;
}

/** A compiled policy, as far as granting needs it. */
export interface CorePolicy {
  readonly name: string;
  readonly budget: Budget;
  readonly schedule: CompiledSchedule;
  /** Time a start needs left in its window: drain timeout plus expected reboot time. */
  readonly neededMs: number;
  /**
   * A request not refreshed for this long is silent and not granted (the agents' grant TTL; they
   * refresh every third of it). Null: every requester is known alive (the forecast's simulated agents).
   */
  readonly requestTtlMs: number | null;
}

/**
 * A guard rail that holds a whole policy, decided outside the grant arithmetic by whoever knows it
 * (a failing health gate, a halted pool, a rate limit, a canary not yet back): while one is given
 * for a policy, none of its waiting nodes is granted but those it names in `allow` and, beyond
 * them, as many as its `room`. A policy may have several guards; a node starts only if each lets it.
 */
export interface GuardHold {
  readonly policy: string;
  readonly reason: GuardReason;
  readonly detail: string;
  /** The nodes the reason names (the canary, the failed nodes); may be empty. */
  readonly nodes: readonly string[];
  /** When the guard lifts with time alone (a rate limit); null: when something else changes. */
  readonly untilMs: number | null;
  /** Waiting nodes the guard lets through all the same (the canary itself); absent: none. */
  readonly allow?: readonly string[];
  /** How many more nodes the guard lets start in this decision (a rate limit's starts left); absent: 0. */
  readonly room?: number;
}

export type GuardReason = 'health-gate' | 'halted' | 'rate-limit' | 'canary';

export interface CoreInput {
  /** Every Node of the cluster (the fleet cap counts them all). */
  readonly nodes: readonly CoreNode[];
  readonly grants: readonly CoreGrant[];
  readonly policies: readonly CorePolicy[];
  /** The Fleet's cluster-wide cap; null for none. */
  readonly fleetBudget: Budget | null;
  /** Guard rails holding policies now (absent: none). */
  readonly guards?: readonly GuardHold[];
  readonly nowMs: number;
}

/** Why a node is granted: within its budgets, or cordoned by someone else already (it takes no budget). */
export type GrantReason = 'budget' | 'already-unavailable';

export interface GrantDecision {
  readonly node: string;
  /** uid of the Node, recorded on the grant. */
  readonly nodeUid: string;
  readonly policy: string;
  readonly reason: GrantReason;
}

/** A grant to delete: its holder's Node is gone (or is another object under the same name). */
export interface FreeDecision {
  readonly node: string;
  readonly policy: string;
  readonly reason: 'node-deleted' | 'node-replaced';
}

/** A grant whose holder stopped renewing: kept (the holder may still act), and shown. */
export interface StalledGrant {
  readonly node: string;
  readonly policy: string;
  /** The last renewal. */
  readonly sinceMs: number;
}

export type HoldReason =
  | GuardReason
  | 'paused'
  | 'outside-window'
  | 'window-too-short'
  /** The policy's budget is in use by its grants. */
  | 'budget'
  /** The Fleet's cluster-wide cap is in use. */
  | 'fleet-cap'
  /** Part of the budget is taken by nodes patchwindow did not take down (admin cordon, NotReady). */
  | 'held-by-unavailable'
  /** Part of the budget is held by a grant whose agent stopped renewing it. */
  | 'stalled-holder'
  /** Every waiting node is held by its pod or alert blockers. */
  | 'blocked'
  /** Every waiting node's agent stopped refreshing its request (stalled, or cut off from the API). */
  | 'silent-requester';

/** Why a policy's waiting nodes were not (all) granted now. */
export interface PoolHold {
  readonly policy: string;
  readonly reason: HoldReason;
  readonly detail: string;
  /** The nodes the reason names: holders, unavailable nodes, stalled holders, blocked nodes. */
  readonly nodes: readonly string[];
  /** Nodes of the policy still waiting after this decision. */
  readonly waiting: number;
}

export interface CoreOutput {
  /** Grants to give now, in the order they were chosen. */
  readonly grant: readonly GrantDecision[];
  readonly free: readonly FreeDecision[];
  readonly stalled: readonly StalledGrant[];
  readonly holds: readonly PoolHold[];
  /** The next instant the decision may change with time alone (a window edge, a grant going stale); null: none. */
  readonly nextChangeMs: number | null;
}
