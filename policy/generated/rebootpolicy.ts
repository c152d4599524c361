// Generated from schemas/ by scripts/gen-types.ts (npm run gen:types). Do not edit.
/* eslint-disable */

/**
 * Budget: how many nodes of this policy may be unavailable at once, counting nodes that are NotReady, unschedulable or rebooting. An integer >= 1 or `"1%"`..`"100%"` (rounded down, at least 1). Default 1.
 */
export type MaxUnavailable = number | string;
/**
 * The sliding period, at least 1s and at most 7d, e.g. `1h`, `30m`, `1d`.
 */
export type Duration = string;
/**
 * Local time the window opens, `HH:MM`.
 */
export type TimeOfDay = string;
/**
 * Local time the window closes, `HH:MM`; on the next day when not after `start`. Exactly one of `end` and `duration`.
 */
export type TimeOfDay1 = string;
/**
 * How long the window stays open (elapsed time, more than 0, at most 7d). Exactly one of `end` and `duration`.
 */
export type Duration1 = string;
/**
 * The sliding window the failures are counted in (more than 0, at most 30d). Default 24h.
 */
export type Duration2 = string;
/**
 * With `spec.healthChecks`: how long after a node returns from its reboot (uncordoned, its grant released) a health check may stay false before that counts as a failure of the node (kind `health-gate`): a check whose expression is still false this long after the return counts once for that return; a check that cannot be read or evaluated then counts nothing (it still holds the pool). More than 0, at most 1h. Default 5m.
 */
export type Duration3 = string;
/**
 * How long to wait for Prometheus before the blocker counts as holding. Default 10s.
 */
export type Duration4 = string;
/**
 * How long the drain may take before it fails. Default 30m.
 */
export type Duration5 = string;
/**
 * Termination grace period given to each evicted pod; each pod's own when omitted.
 */
export type Duration6 = string;
/**
 * How long to wait; when attachments are left after it, the drain counts as failed and `onFailure` applies. Default 5m.
 */
export type Duration7 = string;
/**
 * Wait between a finished drain and the reboot. Default 0s.
 */
export type Duration8 = string;
/**
 * How long a reboot takes until the node is Ready again; the start gate keeps this much of the window free after the drain timeout. Default 10m.
 */
export type Duration9 = string;
/**
 * When the sentinel is still there right after a reboot, wait this long before rebooting again. Default 6h.
 */
export type Duration10 = string;
/**
 * How long the agent waits, before the reboot command, for the drain and reboot notifications to be delivered or given up (the reboot would cut their retries short). Default 30s, at most 5m.
 */
export type Duration11 = string;
/**
 * How long the silence lasts from each extension; the agent extends it every third of this. Longer than the reboot itself (`reboot.expectedDuration`), since the agent is down meanwhile. Default 15m.
 */
export type Duration12 = string;
/**
 * The silence is never extended beyond this much time after it was created, so a stuck reboot pages again. Default 4h.
 */
export type Duration13 = string;
/**
 * How long the silence lasts after the node is back in service, while its alerts resolve. Default 2m.
 */
export type Duration14 = string;
/**
 * The Job fails when it has not completed this long after it started (its activeDeadlineSeconds). At least 1s, at most 24h. Default 10m.
 */
export type Duration15 = string;
/**
 * As for preReboot. Default 10m.
 */
export type Duration16 = string;
/**
 * Longest wait for the API to answer the read; slower holds. Default 10s.
 */
export type Duration17 = string;

/**
 * How the nodes of one or more pools are rebooted: when (windows, blackouts, pause), how many at once (budget), what blocks a reboot, how nodes are drained and rebooted, and who is told.
 */
export interface RebootPolicy {
  /**
   * Always `patchwindow.io/v1alpha1`.
   */
  apiVersion: "patchwindow.io/v1alpha1";
  /**
   * Always `RebootPolicy`.
   */
  kind: "RebootPolicy";
  metadata: ObjectMeta;
  spec: RebootPolicySpec;
}
/**
 * Identifies the document. Only `name` is read; labels and annotations are kept for tools.
 */
export interface ObjectMeta {
  /**
   * Name of the document: a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit).
   */
  name: string;
  /**
   * Free-form labels, ignored by patchwindow.
   */
  labels?: {
    [k: string]: string;
  };
  /**
   * Free-form annotations, ignored by patchwindow.
   */
  annotations?: {
    [k: string]: string;
  };
}
/**
 * The policy.
 */
export interface RebootPolicySpec {
  /**
   * Values of the Fleet's `poolLabel` whose nodes this policy takes. A pool may be named by one policy only. Give `nodePools` or `nodeSelector` (the Fleet's `defaultPolicy` may give neither).
   *
   * @minItems 1
   */
  nodePools?: string[];
  nodeSelector?: LabelSelector;
  /**
   * With `nodeSelector`: order among selector policies, higher wins. Two selector policies may not share a priority. Default 0.
   */
  priority?: number;
  maxUnavailable?: MaxUnavailable;
  /**
   * Rate limit beside the budget: at most this many nodes of this policy start a reboot in any sliding hour, however many the budget would allow at once. Shorthand for `maxPerPeriod: {count: N, period: 1h}`; not together with `maxPerPeriod`. No limit when omitted.
   */
  maxPerHour?: number;
  maxPerPeriod?: RateLimit;
  /**
   * `1`: the first node of a rollout goes alone and must come back healthy (Ready, uncordoned, its reboot done) before any other node of the policy starts; nodes that still run an OS image or kernel older than the one the last canary came back with follow without a new canary. `0` (the default): no canary.
   */
  canary?: number;
  /**
   * IANA time zone of the windows and date-only blackouts, e.g. `Europe/Berlin`. Default `UTC`.
   */
  timeZone?: string;
  /**
   * When reboots may start. The union of all windows, minus blackouts and pause, is the policy's effective schedule.
   *
   * @minItems 1
   */
  windows: Window[];
  /**
   * Periods in which no reboot starts, on top of the Fleet's blackouts.
   */
  blackouts?: Blackout[];
  /**
   * `true` stops new reboots of this policy until set back to `false`; reboots already under way finish. Not together with `pausedUntil`.
   */
  paused?: boolean;
  /**
   * An instant with offset (`2026-12-01T00:00:00Z`): no reboot starts before it.
   */
  pausedUntil?: string;
  halt?: Halt;
  /**
   * How many days a node may need a reboot before it counts as overdue: `patchwindow report` marks it, and the bundled PrometheusRule (deploy/monitoring/) alerts. No limit when omitted.
   */
  maxPendingDays?: number;
  blockers?: Blockers;
  drain?: Drain;
  reboot?: Reboot;
  /**
   * Where to tell people about drains, reboots, completions and failures. Webhook URLs come from Secrets, never from git.
   */
  notifications?: Notification[];
  silences?: Silences;
  hooks?: Hooks;
  nodeLabels?: NodeLabels;
  /**
   * Health gates: before each grant of this policy (so also after each node's uncordon, before the next) the coordinator reads the objects each check names and evaluates its CEL `expression` on each. The pool waits while any check fails, matches no object, or cannot be read or evaluated (fail closed). See README "Health gates".
   */
  healthChecks?: HealthCheck[];
}
/**
 * Instead of `nodePools`: the nodes whose labels match. A node matched by several selector policies goes to the one with the highest `priority`; `nodePools` policies always win over selector policies.
 */
export interface LabelSelector {
  /**
   * Labels that must be present with exactly these values.
   */
  matchLabels?: {
    [k: string]: string;
  };
  /**
   * Set-based requirements.
   */
  matchExpressions?: LabelSelectorRequirement[];
}
/**
 * One set-based requirement: `In`/`NotIn` need `values`, `Exists`/`DoesNotExist` must have none.
 */
export interface LabelSelectorRequirement {
  /**
   * A label key.
   */
  key: string;
  /**
   * In, NotIn, Exists or DoesNotExist.
   */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  /**
   * Label values for In and NotIn.
   */
  values?: string[];
}
/**
 * Rate limit beside the budget: at most `count` nodes of this policy start a reboot in any sliding `period`. Not together with `maxPerHour`. No limit when omitted.
 */
export interface RateLimit {
  /**
   * Starts allowed per period, at least 1.
   */
  count: number;
  period: Duration;
}
/**
 * A weekly window: it opens at `start` on each of `days` and closes at `end` (the next day when `end` <= `start`) or after `duration`.
 */
export interface Window {
  /**
   * Days the window opens on: `mon`..`sun` or `monday`..`sunday`, any case.
   *
   * @minItems 1
   */
  days: string[];
  start: TimeOfDay;
  end?: TimeOfDay1;
  duration?: Duration1;
  /**
   * IANA time zone of this window; defaults to the policy's `timeZone`.
   */
  timeZone?: string;
}
/**
 * A period in which no reboot starts. `start` and `end` are a date (`2026-12-21`, whole days in the policy's time zone, `end` inclusive), a local date-time (`2026-12-21T18:00`, in the policy's time zone) or an instant with offset (`2026-12-21T18:00:00Z`).
 */
export interface Blackout {
  /**
   * First day or instant of the blackout.
   */
  start: string;
  /**
   * Last day (inclusive) or instant (exclusive) of the blackout; not before `start`.
   */
  end: string;
  /**
   * Why the freeze exists, for the people who read the policy.
   */
  reason?: string;
}
/**
 * Stop the pool by itself after repeated failures: when `afterFailures` reboot attempts of this policy failed within `within` (a failed drain, a reboot whose boot id did not change, a reboot after which the node still needs one, a node not Ready again within `reboot.expectedDuration`, a health check still false `healthGrace` after a node returned), the coordinator grants no more reboots in it until an operator runs `patchwindow resume POLICY` (or, with the reconciler writing to git, until `paused: true` is merged back to `false`). No halting when omitted.
 */
export interface Halt {
  /**
   * How many failures within `within` halt the pool (at least 1).
   */
  afterFailures: number;
  within?: Duration2;
  healthGrace?: Duration3;
}
/**
 * Conditions that hold reboots back. A blocker that cannot be evaluated blocks. A node with the label or annotation `patchwindow.io/hold` is always held.
 */
export interface Blockers {
  /**
   * Pods that hold a node's reboot while they run on it (pods in a terminal phase do not).
   */
  pods?: PodBlocker[];
  alerts?: AlertBlocker;
}
/**
 * Pods matching `selector` in namespaces matching `namespaceSelector` (all namespaces when omitted).
 */
export interface PodBlocker {
  namespaceSelector?: LabelSelector1;
  selector: LabelSelector2;
}
/**
 * Namespaces whose labels match; all namespaces when omitted.
 */
export interface LabelSelector1 {
  /**
   * Labels that must be present with exactly these values.
   */
  matchLabels?: {
    [k: string]: string;
  };
  /**
   * Set-based requirements.
   */
  matchExpressions?: LabelSelectorRequirement[];
}
/**
 * Pod labels that block.
 */
export interface LabelSelector2 {
  /**
   * Labels that must be present with exactly these values.
   */
  matchLabels?: {
    [k: string]: string;
  };
  /**
   * Set-based requirements.
   */
  matchExpressions?: LabelSelectorRequirement[];
}
/**
 * Prometheus alerts that hold every node of the policy while they are active.
 */
export interface AlertBlocker {
  /**
   * Base URL of Prometheus (its `/api/v1/alerts` is read) or of Alertmanager (which answers 404 there; its `/api/v2/alerts` is read instead, and silenced or inhibited alerts do not block), e.g. `http://prometheus.monitoring:9090` or `http://alertmanager.monitoring:9093`.
   */
  prometheusUrl: string;
  /**
   * Regular expression on the alert name. By default matching alerts are ignored (e.g. `^Watchdog$`); with `filterMatchOnly` only matching alerts block.
   */
  filter?: string;
  /**
   * Only alerts whose name matches `filter` block. Default false.
   */
  filterMatchOnly?: boolean;
  /**
   * Ignore pending alerts; only firing ones block. Default false.
   */
  firingOnly?: boolean;
  timeout?: Duration4;
}
/**
 * How a node is emptied before its reboot: every pod is evicted through the eviction API, which honours PodDisruptionBudgets.
 */
export interface Drain {
  timeout?: Duration5;
  gracePeriod?: Duration6;
  /**
   * Evict pods that use emptyDir volumes (their data is lost). When false such pods fail the drain. Default false.
   */
  deleteEmptyDirData?: boolean;
  /**
   * Evict pods that no controller manages (they are not recreated). When false such pods fail the drain. Default false.
   */
  force?: boolean;
  podSelector?: LabelSelector3;
  waitForVolumeDetach?: VolumeDetachWait;
  /**
   * What happens when the drain fails or times out: `uncordon` (uncordon if the agent cordoned, give the grant back, try again in a later window), `stayCordoned` (give the grant back, leave the node cordoned for an operator) or `reboot` (reboot anyway). Default `uncordon`.
   */
  onFailure?: "uncordon" | "stayCordoned" | "reboot";
}
/**
 * Only evict pods whose labels match; others stay on the node through its reboot.
 */
export interface LabelSelector3 {
  /**
   * Labels that must be present with exactly these values.
   */
  matchLabels?: {
    [k: string]: string;
  };
  /**
   * Set-based requirements.
   */
  matchExpressions?: LabelSelectorRequirement[];
}
/**
 * After the drain and before the reboot, wait until no VolumeAttachment (storage.k8s.io/v1) names the node any more, so its volumes are detached cleanly and can attach elsewhere (no Multi-Attach errors). Not waiting when omitted.
 */
export interface VolumeDetachWait {
  timeout?: Duration7;
}
/**
 * How the reboot is detected and carried out.
 */
export interface Reboot {
  /**
   * `command` runs `command` on the host; `signal` sends `signal` to the host's PID 1 (systemd). Default `command`.
   */
  method?: "command" | "signal";
  /**
   * Name of the reboot command among the install settings' `commands.reboot` (the command line itself is an install setting, never written in git). Default `default` (built in: `/bin/systemctl reboot`).
   */
  command?: string;
  /**
   * Signal number for `method: signal`. Default 39 (SIGRTMIN+5, systemd's reboot).
   */
  signal?: number;
  delay?: Duration8;
  expectedDuration?: Duration9;
  /**
   * Host file whose existence means a reboot is required. Default `/var/run/reboot-required`, unless `sentinelCommand` is given (then only the command decides, or both when both are written).
   */
  sentinelFile?: string;
  /**
   * Name of a sentinel command among the install settings' `commands.sentinel`: a host command whose exit code 0 means a reboot is required (1: not required; anything else: cannot tell, which holds the reboot).
   */
  sentinelCommand?: string;
  loopBackoff?: Duration10;
  notifyTimeout?: Duration11;
}
/**
 * One webhook.
 */
export interface Notification {
  /**
   * `slack` (incoming webhook), `teams` (Workflows webhook), `webhook` (generic JSON POST), or `url`: the Secret holds a notification URL as kured and shoutrrr write them (`slack://`, `teams://`, `discord://`, `mattermost://`, `googlechat://`, `rocketchat://`, `telegram://`, `generic://`, `generic+https://`, `smtp://`), see docs/from-kured.md.
   */
  format: "slack" | "teams" | "webhook" | "url";
  urlFrom: UrlSource;
  /**
   * Events to send: `drain`, `reboot`, `done`, `failed`. Default all.
   *
   * @minItems 1
   */
  events?: ("drain" | "reboot" | "done" | "failed")[];
  templates?: NotificationTemplates;
}
/**
 * The Secret key holding the webhook URL.
 */
export interface UrlSource {
  secretKeyRef: SecretKeyRef;
}
/**
 * A key of a Secret in the Fleet's namespace.
 */
export interface SecretKeyRef {
  /**
   * Name of the Secret (in the Fleet's namespace). It must start with the install settings' `notificationSecrets.namePrefix` (default `patchwindow-notify-`).
   */
  name: string;
  /**
   * Key in the Secret's data.
   */
  key: string;
}
/**
 * Message text per event; `{node}`, `{policy}`, `{pool}`, `{event}` and `{reason}` are replaced.
 */
export interface NotificationTemplates {
  /**
   * Default `Draining node {node} ({policy})`.
   */
  drain?: string;
  /**
   * Default `Rebooting node {node} ({policy})`.
   */
  reboot?: string;
  /**
   * Default `Node {node} rebooted and back in service ({policy})`.
   */
  done?: string;
  /**
   * Default `Reboot of node {node} failed: {reason} ({policy})`.
   */
  failed?: string;
}
/**
 * An Alertmanager silence held as a lease while a node reboots: the agent creates it when the node is granted (before the cordon), extends it while the node works, lets it end `grace` after the node is back in service, and stops extending it after `maxDuration`, so a reboot that is stuck still pages. The silence ids are kept in the node's state record, so a restarted agent continues or ends them.
 */
export interface Silences {
  /**
   * Base URL of Alertmanager (its `/api/v2/silences` is written), e.g. `http://alertmanager.monitoring:9093`. No credentials: policies live in git.
   */
  alertmanagerUrl: string;
  /**
   * Which alerts the silence mutes, as Alertmanager matchers; `{node}` and `{policy}` in a value are replaced (escaped in regular expressions). At least one matcher must not match the empty value.
   *
   * @minItems 1
   */
  matchers: SilenceMatcher[];
  duration?: Duration12;
  maxDuration?: Duration13;
  grace?: Duration14;
}
export interface SilenceMatcher {
  /**
   * Label name, e.g. `instance` or `node`.
   */
  name: string;
  /**
   * Label value, e.g. `{node}`; a regular expression with `isRegex`.
   */
  value: string;
  /**
   * `value` is a regular expression (anchored by Alertmanager). Default false.
   */
  isRegex?: boolean;
  /**
   * false: the matcher selects labels that do not match. Default true.
   */
  isEqual?: boolean;
}
/**
 * Jobs the coordinator runs for a node around its reboot: `preReboot` after the grant and before the cordon (the reboot waits for it to succeed), `postReboot` after the uncordon and before the grant is given back, after every attempt that got a grant (also a failed one); the next node of the pool waits meanwhile. A hook is named here; its Job (image, command) is defined only in the install settings (`hooks.<name>.template`), never in git. The Job gets NODE_NAME, PATCHWINDOW_NODE, PATCHWINDOW_POLICY and PATCHWINDOW_HOOK in its environment. See README "Hooks".
 */
export interface Hooks {
  preReboot?: PreRebootHook;
  postReboot?: PostRebootHook;
}
/**
 * Run before the cordon; the node is cordoned only after the Job completed.
 */
export interface PreRebootHook {
  /**
   * Name of a hook of the install settings (`hooks.<name>`).
   */
  hook: string;
  timeout?: Duration15;
  /**
   * `abort` (default): no cordon, the attempt fails (a `pre-hook` failure, counted by `spec.halt`), the post hook still runs, the node asks again after the window (like a failed drain with `onFailure: uncordon`). `continue`: a Warning Event, and the reboot goes on.
   */
  onFailure?: "abort" | "continue";
}
/**
 * Run after the uncordon, before the grant is given back; a failure is a `post-hook` failure (counted by `spec.halt`).
 */
export interface PostRebootHook {
  /**
   * Name of a hook of the install settings (`hooks.<name>`).
   */
  hook: string;
  timeout?: Duration16;
}
/**
 * Labels the agent sets on the node around its reboot.
 */
export interface NodeLabels {
  preReboot?: Labels;
  postReboot?: Labels1;
}
/**
 * Set before cordon; removed again after the reboot.
 */
export interface Labels {
  [k: string]: string;
}
/**
 * Set after a successful reboot.
 */
export interface Labels1 {
  [k: string]: string;
}
/**
 * One object (`name`), the objects matching `selector`, or every object of the kind (in `namespace` when given).
 */
export interface HealthCheck {
  /**
   * API version of the objects, e.g. `apps/v1`, `v1`, `ceph.rook.io/v1`.
   */
  apiVersion: string;
  /**
   * Kind of the objects, e.g. `Deployment`, `Node`, `CephCluster`. Secrets, ConfigMaps and ServiceAccounts are refused.
   */
  kind: string;
  /**
   * The plural resource the API serves the kind under. Built-in kinds are known; otherwise the kind lowercased and pluralized (`CephCluster` -> `cephclusters`). Set it when a CRD's plural differs.
   */
  resource?: string;
  /**
   * Namespace of the objects; omitted: cluster-scoped kinds, or every namespace.
   */
  namespace?: string;
  /**
   * One object by name (not with `selector`).
   */
  name?: string;
  selector?: LabelSelector4;
  /**
   * CEL, true when healthy, evaluated once per matched object with `object` (that object) and `objects` (all matched), e.g. `object.status.availableReplicas == object.spec.replicas`. Checked by `validate`.
   */
  expression: string;
  timeout?: Duration17;
  /**
   * What the check protects, unique within the policy, e.g. `payments available`: shown in status, Events and the `check` label of `patchwindow_health_gate_passing`.
   */
  reason: string;
}
/**
 * Objects whose labels match (not with `name`); omit both for every object.
 */
export interface LabelSelector4 {
  /**
   * Labels that must be present with exactly these values.
   */
  matchLabels?: {
    [k: string]: string;
  };
  /**
   * Set-based requirements.
   */
  matchExpressions?: LabelSelectorRequirement[];
}
