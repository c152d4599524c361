// Generated from schemas/ by scripts/gen-types.ts (npm run gen:types). Do not edit.
/* eslint-disable */

/**
 * A node count or a percentage.
 */
export type Budget =
  | {
      kind: "count";
      count: number;
    }
  | {
      kind: "percent";
      percent: number;
    };
/**
 * Milliseconds.
 */
export type Ms = number;
export type BlackoutBound =
  | {
      kind: "date";
      date: string;
    }
  | {
      kind: "local";
      dateTime: string;
    }
  | {
      kind: "instant";
      epochMs: number;
    };

/**
 * The compiled configuration of one policy's agents, written by `patchwindow render` into the policy's ConfigMap and validated by the agent before it does anything. Not written by hand.
 */
export interface AgentConfig {
  /**
   * Always `patchwindow.io/v1alpha1`.
   */
  apiVersion: "patchwindow.io/v1alpha1";
  /**
   * Always `AgentConfig`.
   */
  kind: "AgentConfig";
  /**
   * Name of the Fleet.
   */
  fleet: string;
  /**
   * Namespace of the agents and their Leases.
   */
  namespace: string;
  /**
   * Node label naming a node's pool.
   */
  poolLabel: string;
  policy: PolicyModel;
  /**
   * Node affinity terms of this policy's DaemonSet (ORed).
   */
  members: NodeSelectorTerm[];
  /**
   * Cluster-wide cap over every node of the cluster; null for none.
   */
  fleetBudget: Budget | null;
  agent: AgentRuntime;
}
/**
 * The normalized RebootPolicy.
 */
export interface PolicyModel {
  name: string;
  membership:
    | {
        kind: "pools" | "default";
        pools: string[];
      }
    | {
        kind: "selector";
        selector: LabelSelector;
        priority: number;
      };
  budget: Budget;
  /**
   * Rate limit: at most `count` starts in any sliding `periodMs`; null: none.
   */
  rate: {
    count: number;
    periodMs: Ms;
  } | null;
  /**
   * The first node of a rollout goes alone and must come back healthy before the others.
   */
  canary: boolean;
  /**
   * spec.halt: the coordinator halts the pool after this many failures within withinMs; absent: never.
   */
  halt?: {
    afterFailures: number;
    withinMs: Ms;
    /**
     * Milliseconds.
     */
    healthGraceMs: number;
  };
  /**
   * A node needing a reboot longer than this is overdue; null: no limit.
   */
  maxPendingMs: Ms | null;
  schedule: Schedule;
  blockers: {
    pods: {
      namespaceSelector: LabelSelector | null;
      selector: LabelSelector;
    }[];
    alerts: null | {
      prometheusUrl: string;
      filter: string | null;
      filterMatchOnly: boolean;
      firingOnly: boolean;
      timeoutMs: Ms;
    };
  };
  drain: {
    timeoutMs: Ms;
    gracePeriodSeconds: number | null;
    deleteEmptyDirData: boolean;
    force: boolean;
    podSelector: LabelSelector | null;
    onFailure: "uncordon" | "stayCordoned" | "reboot";
    /**
     * Wait this long after the drain for the node's VolumeAttachments to go; null: no wait.
     */
    volumeDetachTimeoutMs: Ms | null;
  };
  reboot: {
    method: "command" | "signal";
    /**
     * @minItems 1
     */
    command: string[];
    signal: number;
    delayMs: Ms;
    expectedDurationMs: Ms;
    sentinelFile: string | null;
    sentinelCommand: null | string[];
    loopBackoffMs: Ms;
    notifyTimeoutMs: Ms;
  };
  notifications: {
    format: "slack" | "teams" | "webhook" | "url";
    secretKeyRef: {
      name: string;
      key: string;
    };
    events: ("drain" | "reboot" | "done" | "failed")[];
    templates: {
      drain: string;
      reboot: string;
      done: string;
      failed: string;
    };
  }[];
  nodeLabels: {
    preReboot: StringMap;
    postReboot: StringMap;
  };
  healthChecks?: {
    apiVersion: string;
    kind: string;
    resource: string;
    namespace: string | null;
    name: string | null;
    selector: LabelSelector | null;
    expression: string;
    timeoutMs: Ms;
    reason: string;
  }[];
  /**
   * spec.hooks resolved against the install settings: the hook's name, its timeout and the Job the coordinator creates; absent: no hooks.
   */
  hooks?: {
    preReboot?: HookRun;
    postReboot?: HookRun;
  };
  /**
   * The Alertmanager silence held while a node reboots; null for none.
   */
  silences: null | {
    alertmanagerUrl: string;
    /**
     * @minItems 1
     */
    matchers: {
      name: string;
      value: string;
      isRegex: boolean;
      isEqual: boolean;
    }[];
    durationMs: Ms;
    maxDurationMs: Ms;
    graceMs: Ms;
  };
}
export interface LabelSelector {
  matchLabels?: StringMap;
  matchExpressions?: {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }[];
}
export interface StringMap {
  [k: string]: string;
}
export interface Schedule {
  timeZone: string;
  windows: {
    /**
     * @minItems 1
     */
    days: (1 | 2 | 3 | 4 | 5 | 6 | 7)[];
    start: TimeOfDay;
    end:
      | {
          kind: "time";
          time: TimeOfDay;
        }
      | {
          kind: "duration";
          durationMs: number;
        };
    timeZone: string;
  }[];
  blackouts: {
    start: BlackoutBound;
    end: BlackoutBound;
    reason: string;
    source: "policy" | "fleet";
  }[];
  pause:
    | {
        kind: "none" | "indefinite";
      }
    | {
        kind: "until";
        epochMs: number;
      };
}
export interface TimeOfDay {
  hour: number;
  minute: number;
}
export interface HookRun {
  hook: string;
  timeoutMs: number;
  onFailure: "abort" | "continue";
  template: HookJobSpec;
}
/**
 * A batch/v1 JobSpec: `template` (a pod template with at least one container; `restartPolicy` Never or OnFailure, default Never), and optionally `backoffLimit` (default 0: one try) and `ttlSecondsAfterFinished`. `activeDeadlineSeconds` comes from the policy's hook timeout.
 */
export interface HookJobSpec {
  /**
   * Retries of a failed pod before the Job fails. Default 0.
   */
  backoffLimit?: number;
  /**
   * Delete the finished Job this many seconds after it finished (it goes with its grant anyway).
   */
  ttlSecondsAfterFinished?: number;
  template: HookPodTemplate;
}
/**
 * The pod template (v1.PodTemplateSpec).
 */
export interface HookPodTemplate {
  metadata?: {
    labels?: {
      [k: string]: string;
    };
    annotations?: {
      [k: string]: string;
    };
  };
  spec: HookPodSpec;
}
/**
 * A v1.PodSpec: at least `containers`; the rest is checked by the API server when the Job is created.
 */
export interface HookPodSpec {
  /**
   * Default Never.
   */
  restartPolicy?: "Never" | "OnFailure";
  /**
   * @minItems 1
   */
  containers: {
    name: string;
    image: string;
    [k: string]: unknown;
  }[];
  [k: string]: unknown;
}
export interface NodeSelectorTerm {
  matchExpressions: {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }[];
}
/**
 * Runtime settings of the agent process.
 */
export interface AgentRuntime {
  /**
   * How often the sentinel is checked.
   */
  checkIntervalMs: number;
  /**
   * Port of /metrics and /healthz.
   */
  metricsPort: number;
  /**
   * Log level.
   */
  logLevel: "debug" | "info" | "warn" | "error";
  /**
   * `json` lines or `text` (kured-like). Default json.
   */
  logFormat?: "json" | "text";
  /**
   * A grant its agent did not renew for this long is reported stalled (it is never given to another node while held); a request its agent did not refresh for this long is not granted.
   */
  slotTtlMs: number;
}
