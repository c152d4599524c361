// The plain data the decision core works on: what the agent knows (Facts) and what it does next
// (Action). Shells gather facts and carry out actions; the core (decide.ts) maps one to the other.
// The forecast replays the same function with simulated facts, so nothing here refers to adapters.
import type { NotifyEvent } from '../../policy/model.ts';
import type { BlockReason } from './blockers.ts';
import type { BudgetFacts, SlotCandidate } from './budget.ts';
import type { NodeEvent, NodeInfo, Slot } from '../../kube/ports.ts';
import type { LastReboot, NodeState, StateRead } from '../../policy/state.ts';

/** Result of evaluating the pod and alert blockers (the hold is read from the Node directly). */
export interface BlockerFacts {
  readonly checkedAtMs: number;
  readonly reasons: readonly BlockReason[];
  /** No step was taken since the check (taking a slot, writing state...): still valid for cordon. */
  readonly sinceLastStep: boolean;
}

/** Result of this process's drain of the current attempt. */
export type DrainOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Everything the decision core knows; plain data (the forecast builds it for simulated nodes). */
export interface Facts {
  readonly nodeName: string;
  /** The agent's own Node; null while it is not known (not yet listed, or deleted). */
  readonly node: Pick<NodeInfo, 'labels' | 'annotations' | 'unschedulable' | 'ready'> | null;
  /** The recorded state (the Node annotation; in dry run, the agent's memory). */
  readonly state: StateRead;
  readonly lastReboot: LastReboot | null;
  /** Sentinel file or command; null: it could not be checked. */
  readonly rebootRequired: boolean | null;
  readonly bootId: string;
  /** Null while the node and slot watches are not running. */
  readonly budget: BudgetFacts | null;
  /** Null when not evaluated recently. */
  readonly blockers: BlockerFacts | null;
  /** Null until this process drained in the current phase. */
  readonly drain: DrainOutcome | null;
  /** This process commanded the reboot of the current attempt at this instant. */
  readonly rebootCommandedMs: number | null;
  readonly dryRun: boolean;
  /** Dry run: when the agent last said what it would do. */
  readonly dryRunReportedMs: number | null;
}

/** Why the agent waits. */
export type WaitReason =
  | 'node-unknown'
  | 'not-required'
  | 'sentinel-unknown'
  | 'hold'
  | 'reboot-loop'
  | 'retry-later'
  | 'paused'
  | 'outside-window'
  | 'window-too-short'
  | 'dry-run-done'
  | 'budget'
  | 'blocked'
  | 'node-not-ready'
  | 'reboot-delay'
  | 'rebooting';

/** What to tell people along with an action: an Event on the Node, a notification. */
export interface Tell {
  readonly event?: NodeEvent;
  readonly notify?: { readonly event: NotifyEvent; readonly reason: string };
}

/** The one next thing to do, plus what to tell people about it. */
export type Action =
  /**
   * Sleep until `untilMs` (undefined: until something changes or the next sentinel check).
   * `watch`: keep the node and slot watches running (false: stop them, the agent is idle).
   * `group`: with reason `budget`, the slot group whose slot the node waits for.
   */
  (
    | {
        readonly kind: 'wait';
        readonly reason: WaitReason;
        readonly detail: string;
        readonly untilMs?: number;
        readonly watch: boolean;
        readonly blockers?: readonly BlockReason[];
        readonly group?: string;
      }
    /** Record on the Node whether it needs a reboot (label + first-seen annotation). */
    | { readonly kind: 'markRebootRequired'; readonly required: boolean }
    /** Start the node and slot watches (budget facts). */
    | { readonly kind: 'watch' }
    /** Evaluate pod and alert blockers. */
    | { readonly kind: 'checkBlockers' }
    /**
     * Write the state annotation (null: remove it) and, in the same patch, set (string) or
     * restore/remove (null) labels; `lastReboot` also records a completed reboot.
     */
    | {
        readonly kind: 'writeState';
        readonly state: NodeState | null;
        readonly labels?: Readonly<Record<string, string | null>>;
        readonly lastReboot?: LastReboot;
      }
    | { readonly kind: 'acquireSlot'; readonly group: string; readonly candidate: SlotCandidate }
    | { readonly kind: 'releaseSlots'; readonly slots: readonly Slot[] }
    | { readonly kind: 'cordon' }
    | { readonly kind: 'uncordon' }
    /** Drain the node until it is empty or `deadlineMs` passes. */
    | { readonly kind: 'drain'; readonly deadlineMs: number }
    | { readonly kind: 'reboot' }
    /** Dry run: say what the agent would do now (cordon, labels, pods to evict, reboot). */
    | { readonly kind: 'reportDryRun'; readonly cordon: boolean; readonly labels: Readonly<Record<string, string>> }
  ) & { readonly tell?: Tell };
