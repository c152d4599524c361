// What the agent's shell runs with: the ports and options the wiring passes to `runAgent`, and the
// little the process remembers between decisions (everything else is read back from the world).
import type { AgentConfig } from '../policy/model.ts';
import type { BlockerFacts, DrainOutcome } from './core/facts.ts';
import type { AgentObserver } from './observer.ts';
import type { Log } from '../io/log.ts';
import type { Cache, Events, Grants, NodeInfo, Nodes, Pods, VolumeAttachments } from '../kube/ports.ts';
import type { Alerts, Host, Notifier, Silences } from './ports.ts';
import type { SilenceKeeper } from './silence-lease.ts';
import type { Clock } from '../policy/clock.ts';
import type { NodeState } from '../policy/state.ts';
import type { Waker } from './wake.ts';
import type { GrantWatch } from './watches.ts';

/** Every port the agent uses; the wiring builds the adapters and passes them in. */
export interface AgentPorts {
  readonly nodes: Nodes;
  readonly pods: Pods;
  readonly grants: Grants;
  readonly events: Events;
  readonly host: Host;
  /** Prometheus; required when the policy has an alert blocker (null otherwise is fine). */
  readonly alerts: Alerts | null;
  /** VolumeAttachments; required when the policy waits for volumes to detach after the drain. */
  readonly volumes?: VolumeAttachments | null;
  /** Alertmanager's silences; required when the policy has spec.silences. */
  readonly silences?: Silences | null;
  /**
   * Every notification of the policy (the adapters fan out and fill in the templates); the agent
   * calls `send(event, reason)`, where `reason` fills `{reason}`.
   */
  readonly notifier: Notifier;
}

/** Knobs with sensible defaults; tests shorten them. */
export interface AgentTuning {
  /** Pause between drain rounds (default 2 s). */
  readonly drainPollMs: number;
  /** Evictions in flight at once (default 5). */
  readonly drainConcurrency: number;
  /** Longest back-off after failed port calls (default 60 s; it starts at 1 s and doubles). */
  readonly maxBackoffMs: number;
  /** How long to wait for the agent's own writes to show in its watches (default 10 s). */
  readonly settleMs: number;
}

/** The tuning of a production agent. */
export const DEFAULT_TUNING: AgentTuning = {
  drainPollMs: 2_000,
  drainConcurrency: 5,
  maxBackoffMs: 60_000,
  settleMs: 10_000,
};

/** What `runAgent` needs. */
export interface RunAgentOptions {
  readonly config: AgentConfig;
  /** The Node this agent runs on (spec.nodeName, from the downward API). */
  readonly nodeName: string;
  readonly ports: AgentPorts;
  readonly clock: Clock;
  readonly log?: Log;
  readonly observer?: AgentObserver;
  /**
   * Dry run: sense, evaluate window and blockers, then say what it would do once granted (Events
   * "DryRun", log lines "would ..."). Writes nothing: no request, no grant, no label, annotation or
   * state on the Node (it keeps its state in memory), never cordons, drains or reboots.
   */
  readonly dryRun?: boolean;
  /** Aborting stops the agent cleanly: the recorded state stays, so a restart continues. */
  readonly signal: AbortSignal;
  /**
   * Return 'idle' once the agent is idle (decide.ts `isIdle`), after its Events and notifications
   * went out, instead of waiting for the sentinel itself (the supervisor's worker does this).
   */
  readonly exitWhenIdle?: boolean;
  readonly tuning?: Partial<AgentTuning>;
}

/** Why runAgent returned: its signal aborted, or (exitWhenIdle) it had nothing left to do. */
export type AgentOutcome = 'stopped' | 'idle';

/** What one agent process remembers; lost on restart by design. */
export interface Memory {
  rebootRequired: boolean | null;
  nextSenseMs: number;
  bootId: string;
  blockers: BlockerFacts | null;
  drain: DrainOutcome | null;
  rebootCommandedMs: number | null;
  dryRunReportedMs: number | null;
  /** Dry run keeps its state here instead of on the Node. */
  dryRunState: NodeState | null;
  watch: GrantWatch | null;
  /** A fresh read proved the grant of this epoch lost (fencing), and why. */
  grantLost: { readonly epoch: string; readonly reason: string } | null;
  /** Extends the silence the record names (spec.silences) while it is not ended. */
  silenceKeeper: SilenceKeeper | null;
}

/** Everything the shell's parts share. */
export interface Runtime {
  readonly config: AgentConfig;
  readonly nodeName: string;
  readonly ports: AgentPorts;
  readonly clock: Clock;
  readonly log: Log;
  readonly observer: AgentObserver;
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
  readonly tuning: AgentTuning;
  readonly own: Cache<NodeInfo>;
  readonly waker: Waker;
  readonly memory: Memory;
}

/** The agent's own Node as its watch sees it. */
export function ownNode(rt: Pick<Runtime, 'own' | 'nodeName'>): NodeInfo | undefined {
  return rt.own.list().find((n) => n.name === rt.nodeName);
}
