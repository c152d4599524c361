// Generated from schemas/ by scripts/gen-types.ts (npm run gen:types). Do not edit.
/* eslint-disable */

/**
 * Cluster-wide cap on unavailable nodes, counted over every node of the cluster (a percentage is of all nodes), on top of each policy's budget. No cap when omitted.
 */
export type MaxUnavailable = number | string;
/**
 * How often the agent runs the sentinel command on its host (a local check, no API call). A sentinel file is watched (inotify) and noticed the moment it appears; it is checked this often too only when its directory cannot be watched, otherwise every 10 minutes as a safety net. Default 1m.
 */
export type Duration = string;

/**
 * Settings shared by every policy of a policy directory: where the agents run, how nodes are grouped into pools, the cluster-wide budget and freezes, Exactly one per directory. What runs on the nodes (the agent image, the host commands) is not set here but in the install settings.
 */
export interface Fleet {
  /**
   * Always `patchwindow.io/v1alpha1`.
   */
  apiVersion: "patchwindow.io/v1alpha1";
  /**
   * Always `Fleet`.
   */
  kind: "Fleet";
  metadata: ObjectMeta;
  spec: FleetSpec;
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
 * The fleet.
 */
export interface FleetSpec {
  /**
   * Namespace of the agents, their Leases and the notification Secrets. Default `patchwindow`.
   */
  namespace?: string;
  /**
   * Node label whose value names a node's pool, e.g. `kubernetes.azure.com/agentpool`, `eks.amazonaws.com/nodegroup`, `cloud.google.com/gke-nodepool`.
   */
  poolLabel: string;
  maxUnavailable?: MaxUnavailable;
  /**
   * Name of the policy that takes every node no other policy claims, including nodes without the pool label. Without it such nodes are not managed.
   */
  defaultPolicy?: string;
  /**
   * Fleet-wide freezes, subtracted from every policy's windows (date-only ones in each policy's time zone). Both bounds of one blackout are of one kind: both instants, or both dates/local times.
   */
  blackouts?: Blackout[];
  agent?: AgentSettings;
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
 * How the rendered agent DaemonSets run. Their image is an install setting (`agent.image`), never read from git.
 */
export interface AgentSettings {
  /**
   * Always, IfNotPresent or Never. Default IfNotPresent.
   */
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /**
   * Names of Secrets in the agent namespace used to pull the image.
   */
  imagePullSecrets?: string[];
  /**
   * PriorityClass of the agent pods. Default `system-node-critical`.
   */
  priorityClassName?: string;
  resources?: Resources;
  /**
   * Tolerations of the agent pods. Default: tolerate every taint, so every node of a pool gets an agent.
   */
  tolerations?: Toleration[];
  checkInterval?: Duration;
  /**
   * Port of the agent's `/metrics` and `/healthz`. Default 9464.
   */
  metricsPort?: number;
  /**
   * debug, info, warn or error. Default info.
   */
  logLevel?: "debug" | "info" | "warn" | "error";
  /**
   * `json` (one JSON object per line, for log pipelines) or `text` (`time=… level=… msg=…` like kured, for people reading `kubectl logs`). Default json.
   */
  logFormat?: "json" | "text";
}
/**
 * Container resources. Default requests cpu 10m, memory 192Mi; limits memory 320Mi (measured: an idle agent, its supervisor alone, holds about 57 MiB; with its worker, while a reboot is wanted or under way, about 185 MiB).
 */
export interface Resources {
  /**
   * Resource requests, e.g. `{cpu: 10m, memory: 192Mi}`.
   */
  requests?: {
    [k: string]: string | number;
  };
  /**
   * Resource limits.
   */
  limits?: {
    [k: string]: string | number;
  };
}
/**
 * A Kubernetes toleration.
 */
export interface Toleration {
  /**
   * Taint key; empty with operator Exists matches every key.
   */
  key?: string;
  /**
   * Exists or Equal.
   */
  operator?: "Exists" | "Equal";
  /**
   * Taint value for Equal.
   */
  value?: string;
  /**
   * NoSchedule, PreferNoSchedule or NoExecute; empty matches all.
   */
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | "";
  /**
   * For NoExecute: how long the pod stays after the taint appears.
   */
  tolerationSeconds?: number;
}
