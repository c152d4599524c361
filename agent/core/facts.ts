// The plain data the decision core works on: what the agent knows (Facts) and what it does next
// (Action). Shells gather facts and carry out actions; the core (decide.ts) maps one to the other.
// The forecast replays the same function with simulated facts, so nothing here refers to adapters.
import type { NotifyEvent } from '../../policy/model.ts';
import type { BlockReason } from './blockers.ts';
import type { Grant, NodeEvent, NodeInfo } from '../../kube/ports.ts';
import type { LastReboot, NodeState, StateRead } from '../../policy/state.ts';
import type { FailureNote } from '../../policy/failures.ts';

/** Result of evaluating the pod and alert blockers (the hold is read from the Node directly). */
export interface BlockerFacts {
  readonly checkedAtMs: number;
  readonly reasons: readonly BlockReason[];
  /** No step was taken since the check (writing state, ...): still valid for cordon. */
  readonly sinceLastStep: boolean;
}

/** The node's own grant as the agent's watch shows it, and what its last fresh check proved. */
export interface GrantFacts {
  /** The grant Lease of this node, if it exists. */
  readonly mine: Grant | null;
  /**
   * A fresh read right before a step that cannot be undone proved the grant of this epoch gone
   * (or the record changed): why. Null: no such proof. The watch may show the loss only later.
   */
  readonly lost: { readonly epoch: string; readonly reason: string } | null;
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
  /** Null while the watch of the node's own grant is not running. */
  readonly grant: GrantFacts | null;
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
  | 'grant'
  | 'blocked'
  | 'node-not-ready'
  | 'reboot-delay'
  | 'rebooting'
  | 'pre-hook'
  | 'post-hook';

/** What to tell people along with an action: an Event on the Node, a notification. */
export interface Tell {
  readonly event?: NodeEvent;
  readonly notify?: { readonly event: NotifyEvent; readonly reason: string };
}

/** The one next thing to do, plus what to tell people about it. */
export type Action =
  /**
   * Sleep until `untilMs` (undefined: until something changes or the next sentinel check).
   * `watch`: keep the grant watch running (false: stop it, the agent is idle).
   */
  (
    | {
        readonly kind: 'wait';
        readonly reason: WaitReason;
        readonly detail: string;
        readonly untilMs?: number;
        readonly watch: boolean;
        readonly blockers?: readonly BlockReason[];
      }
    /** Record on the Node whether it needs a reboot (label + first-seen annotation). */
    | { readonly kind: 'markRebootRequired'; readonly required: boolean }
    /** Start the watch of the node's own grant (and the keeper that renews it while held). */
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
        /** A failed attempt to note on the Node (policy/failures.ts) in the same patch, for spec.halt. */
        readonly failure?: FailureNote;
      }
    /** Give the node's grant back (delete it, if it is still this epoch). */
    | { readonly kind: 'releaseGrant'; readonly grant: Grant }
    /** Ask the coordinator for the post-reboot hook: mark it pending on the grant of this epoch. */
    | { readonly kind: 'requestHook'; readonly grant: Grant; readonly hook: 'postReboot' }
    /**
     * Cordon, marking the cordon as this attempt's (`epoch`) in the same write, only if the grant of
     * `epoch` is still this node's and the node is still schedulable (fresh reads, no cache).
     */
    | { readonly kind: 'cordon'; readonly epoch: string }
    /** Uncordon, only if the cordon still carries this attempt's mark `epoch`. */
    | { readonly kind: 'uncordon'; readonly epoch: string }
    /** Drain the node until it is empty or `deadlineMs` passes; each round only under the grant of `epoch`. */
    | { readonly kind: 'drain'; readonly deadlineMs: number; readonly epoch: string }
    /** Command the reboot, only if the grant of `epoch` is still this node's (fresh read). */
    | { readonly kind: 'reboot'; readonly epoch: string }
    /**
     * Create the attempt's Alertmanager silence, or end it after its grace, then record it in
     * `state` (spec.silences; the keeper extends it in between).
     */
    | { readonly kind: 'silence'; readonly op: 'create' | 'end'; readonly state: NodeState }
    /** Dry run: say what the agent would do now (cordon, labels, pods to evict, reboot). */
    | { readonly kind: 'reportDryRun'; readonly cordon: boolean; readonly labels: Readonly<Record<string, string>> }
  ) & { readonly tell?: Tell };
