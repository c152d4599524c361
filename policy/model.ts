// The normalized policy model: what `normalize` makes of the documents as written, fully defaulted,
// with durations in milliseconds and instants as epoch milliseconds. Pure data, no I/O. Both the
// reconciler (compile, render, plan, forecast) and the agent (decide) work on these types.
import type { HaltSettings, RateLimit, SilenceSettings } from './rails.ts';
import type { PolicyHooks } from './hooks.ts';

export type { HaltSettings, RateLimit, SilenceMatcher, SilenceSettings } from './rails.ts';

/** ISO weekday: 1 = Monday … 7 = Sunday (Temporal's `dayOfWeek`). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A local wall-clock time of day. */
export interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
}

/** How a window closes: at a local time (next day when not after `start`) or after elapsed time. */
export type WindowEnd =
  { readonly kind: 'time'; readonly time: TimeOfDay } | { readonly kind: 'duration'; readonly durationMs: number };

/** One weekly window of a policy, in its own IANA time zone. */
export interface WindowSpec {
  /** Sorted, without duplicates. */
  readonly days: readonly Weekday[];
  readonly start: TimeOfDay;
  readonly end: WindowEnd;
  readonly timeZone: string;
}

/** One bound of a blackout as written: a whole day, a local date-time, or an instant. */
export type BlackoutBound =
  | { readonly kind: 'date'; readonly date: string } // YYYY-MM-DD
  | { readonly kind: 'local'; readonly dateTime: string } // YYYY-MM-DDTHH:MM[:SS]
  | { readonly kind: 'instant'; readonly epochMs: number };

export interface BlackoutSpec {
  readonly start: BlackoutBound;
  readonly end: BlackoutBound;
  readonly reason: string;
  readonly source: 'policy' | 'fleet';
}

export type Pause =
  { readonly kind: 'none' } | { readonly kind: 'indefinite' } | { readonly kind: 'until'; readonly epochMs: number };

/** Everything that decides *when* a policy's nodes may start a reboot. */
export interface Schedule {
  /** Zone of date-only and local blackouts (the policy's `timeZone`). */
  readonly timeZone: string;
  readonly windows: readonly WindowSpec[];
  /** Policy and fleet blackouts together. */
  readonly blackouts: readonly BlackoutSpec[];
  readonly pause: Pause;
}

/** A half-open interval of instants [startMs, endMs) in epoch milliseconds. */
export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

/** A Kubernetes label selector (metav1.LabelSelector). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** A node affinity requirement (v1.NodeSelectorRequirement) as rendered into DaemonSets. */
export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** Requirements ANDed; the terms of a node selector are ORed. */
export interface NodeSelectorTerm {
  readonly matchExpressions: readonly NodeSelectorRequirement[];
}

/** A budget as written: a node count, or a percentage of the pool's nodes. */
export type Budget =
  { readonly kind: 'count'; readonly count: number } | { readonly kind: 'percent'; readonly percent: number };

/** Which nodes a policy takes, as intended (render turns it into disjoint node affinity). */
export type Membership =
  | { readonly kind: 'pools'; readonly pools: readonly string[] }
  | { readonly kind: 'selector'; readonly selector: LabelSelector; readonly priority: number }
  /** The Fleet's default policy: its own pools (maybe none) plus every node nobody else claims. */
  | { readonly kind: 'default'; readonly pools: readonly string[] };

export interface PodBlocker {
  /** Null: pods in every namespace. */
  readonly namespaceSelector: LabelSelector | null;
  readonly selector: LabelSelector;
}

export interface AlertBlocker {
  readonly prometheusUrl: string;
  /** Regular expression on the alert name; null = no filter. */
  readonly filter: string | null;
  /** true: only matching alerts block; false: matching alerts are ignored. */
  readonly filterMatchOnly: boolean;
  readonly firingOnly: boolean;
  readonly timeoutMs: number;
}

export interface Blockers {
  readonly pods: readonly PodBlocker[];
  readonly alerts: AlertBlocker | null;
}

export type DrainFailureAction = 'uncordon' | 'stayCordoned' | 'reboot';

export interface DrainSettings {
  readonly timeoutMs: number;
  /** Null: each pod's own terminationGracePeriodSeconds. */
  readonly gracePeriodSeconds: number | null;
  readonly deleteEmptyDirData: boolean;
  readonly force: boolean;
  /** Null: every pod (except DaemonSet-owned and mirror pods) is evicted. */
  readonly podSelector: LabelSelector | null;
  readonly onFailure: DrainFailureAction;
  /** After the drain, wait up to this long until no VolumeAttachment names the node; null: no wait. */
  readonly volumeDetachTimeoutMs: number | null;
}

export interface RebootSettings {
  readonly method: 'command' | 'signal';
  readonly command: readonly string[];
  readonly signal: number;
  readonly delayMs: number;
  readonly expectedDurationMs: number;
  /** Null: only the sentinel command decides. */
  readonly sentinelFile: string | null;
  readonly sentinelCommand: readonly string[] | null;
  readonly loopBackoffMs: number;
  /** How long the reboot command waits for the drain and reboot notifications (delivered or given up). */
  readonly notifyTimeoutMs: number;
}

export type NotifyEvent = 'drain' | 'reboot' | 'done' | 'failed';

export interface NotificationSpec {
  /** `url`: the Secret holds a notification URL (policy/notify-url.ts). */
  readonly format: 'slack' | 'teams' | 'webhook' | 'url';
  readonly secretKeyRef: { readonly name: string; readonly key: string };
  readonly events: readonly NotifyEvent[];
  readonly templates: Readonly<Record<NotifyEvent, string>>;
}

/**
 * A health gate (spec.healthChecks[]): objects the coordinator reads before each grant of the policy;
 * `expression` (CEL, policy/health-cel.ts) must be true for every object read, else the pool waits.
 */
export interface HealthCheck {
  readonly apiVersion: string;
  readonly kind: string;
  /** The plural the API serves the kind under (built-in table, `resource:` as written, or derived). */
  readonly resource: string;
  /** Null: cluster-scoped, or every namespace. */
  readonly namespace: string | null;
  /** One object by name; null: every object (of `namespace`) matching `selector`. */
  readonly name: string | null;
  /** Null with `name` null: every object. */
  readonly selector: LabelSelector | null;
  readonly expression: string;
  /** Longest read of the objects; a slower API holds the pool. */
  readonly timeoutMs: number;
  /** What the check protects, unique in its policy: shown in status, Events and the metric's `check` label. */
  readonly reason: string;
}

/** One RebootPolicy, normalized and fully defaulted. */
export interface PolicyModel {
  readonly name: string;
  readonly membership: Membership;
  readonly budget: Budget;
  /** At most this many starts in any sliding period (maxPerHour, maxPerPeriod); null: no limit. */
  readonly rate: RateLimit | null;
  /** The first node of a rollout goes alone and must come back healthy before the others start. */
  readonly canary: boolean;
  readonly schedule: Schedule;
  /** A node needing a reboot longer than this is overdue (report, alerts); null: no limit. */
  readonly maxPendingMs: number | null;
  /** spec.halt: the coordinator stops granting in the pool after repeated failures; absent: never. */
  readonly halt?: HaltSettings;
  readonly blockers: Blockers;
  readonly drain: DrainSettings;
  readonly reboot: RebootSettings;
  readonly notifications: readonly NotificationSpec[];
  readonly nodeLabels: {
    readonly preReboot: Readonly<Record<string, string>>;
    readonly postReboot: Readonly<Record<string, string>>;
  };
  /** Health gates before each grant; absent: none (kept out of configs that have none). */
  readonly healthChecks?: readonly HealthCheck[];
  /** The Alertmanager silence held while a node reboots; null: none. */
  readonly silences: SilenceSettings | null;
  /** Jobs run around each reboot (spec.hooks), resolved from the install settings; absent: none. */
  readonly hooks?: PolicyHooks;
}

/** A Kubernetes toleration (v1.Toleration). */
export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | '';
  readonly tolerationSeconds?: number;
}

export interface AgentSettings {
  readonly image: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly imagePullSecrets: readonly string[];
  readonly priorityClassName: string;
  readonly resources: {
    readonly requests: Readonly<Record<string, string | number>>;
    readonly limits: Readonly<Record<string, string | number>>;
  };
  /** Null: tolerate every taint. */
  readonly tolerations: readonly Toleration[] | null;
  readonly checkIntervalMs: number;
  readonly metricsPort: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logFormat: LogFormat;
}

/** How the agent writes its log: JSON lines, or kured-like text for people. */
export type LogFormat = 'json' | 'text';

/** The Fleet, normalized and fully defaulted. */
export interface FleetModel {
  readonly name: string;
  readonly namespace: string;
  readonly poolLabel: string;
  /** Null: no cluster-wide cap. */
  readonly budget: Budget | null;
  readonly defaultPolicy: string | null;
  readonly blackouts: readonly BlackoutSpec[];
  /** The agent pods; the image comes from the install settings, the rest from the Fleet. */
  readonly agent: AgentSettings;
}

/**
 * What the agent of one policy loads from its ConfigMap (schemas/agentconfig.schema.json): the
 * normalized policy plus the fleet context it needs to count budgets.
 */
export interface AgentConfig {
  readonly apiVersion: 'patchwindow.io/v1alpha1';
  readonly kind: 'AgentConfig';
  readonly fleet: string;
  readonly namespace: string;
  readonly poolLabel: string;
  readonly policy: PolicyModel;
  /** The nodes this policy's DaemonSet runs on (its rendered node affinity). */
  readonly members: readonly NodeSelectorTerm[];
  /** The cluster-wide cap, over every node of the cluster; null for none. */
  readonly fleetBudget: Budget | null;
  readonly agent: {
    readonly checkIntervalMs: number;
    readonly metricsPort: number;
    readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
    /** Absent: json. */
    readonly logFormat?: LogFormat;
    /** A grant not renewed for this long is reported stalled (never given away while held); covers a reboot's downtime. */
    readonly slotTtlMs: number;
  };
}

/** A checked policy set: one Fleet and its policies, normalized. */
export interface PolicySet {
  readonly fleet: FleetModel;
  readonly policies: readonly PolicyModel[];
}
