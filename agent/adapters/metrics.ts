// The agent's Prometheus metrics: gauges of its own node only. The process restarts with its node,
// so the fleet's counters and histograms (reboots, failures, wait, drain and reboot durations) are
// the coordinator's (coordinator/metrics.ts). The supervisor keeps the one set of a node; its
// workers report into it over their channel (agent/worker-channel.ts). Every
// series carries the node and policy, so one query covers the fleet: `max by (policy) (patchwindow_blocked)`,
// `sum(patchwindow_reboot_required) by (policy)`. Label sets are small and fixed (phases, blocker
// kinds) so a flapping state never creates new series; all of them exist from the start at 0, which
// keeps `absent()` and `== 0` alerts meaningful.
import type { BlockReason } from '../core/blockers.ts';
import { PHASES, type Phase } from '../../policy/state.ts';
import { exposition, EXPOSITION_CONTENT_TYPE, gauge, processFamilies, type Family } from './exposition.ts';

export interface AgentMetricsOptions {
  readonly node: string;
  readonly policy: string;
  /** The process's CPU, memory and heap figures (prom-client's names); default true. */
  readonly processMetrics?: boolean;
}

/** What the agent reports; each method updates the series of this node and policy. */
export interface AgentMetricsCalls {
  /** patchwindow_reboot_required: the sentinel says the node needs a reboot. */
  setRebootRequired(required: boolean): void;
  /** patchwindow_phase: 1 for `phase` (null: idle, no reboot under way), 0 for the others. */
  setPhase(phase: Phase | null): void;
  /** patchwindow_blocked: 1 for each kind of reason present now (hold, pod, alert, unknown), 0 for the rest. */
  setBlocked(reasons: readonly BlockReason[]): void;
  /** patchwindow_reboot_loop: the sentinel survived a reboot and the agent holds off. */
  setRebootLoop(looping: boolean): void;
  /** patchwindow_notification_last_failure_timestamp_seconds: a notification of `format` was given up at `atMs`. */
  setNotificationFailed(format: string, atMs: number): void;
  /**
   * Reboot debt: patchwindow_reboot_pending_since_timestamp_seconds (when the node started needing
   * its reboot; null: it does not), patchwindow_last_reboot_timestamp_seconds (the last reboot
   * patchwindow completed; null: unknown) and patchwindow_reboot_max_pending_seconds (the policy's
   * maxPendingDays; null: no limit).
   */
  setDebt(debt: RebootDebt): void;
  /** patchwindow_sentinel_mount_ok: the sentinel's directory is the host's (false: the check found it is not). */
  setSentinelMount(ok: boolean): void;
}

export interface RebootDebt {
  readonly pendingSinceMs: number | null;
  readonly lastRebootMs: number | null;
  readonly maxPendingMs: number | null;
}

/** The series and their text for /metrics. */
export interface AgentMetrics extends AgentMetricsCalls {
  /** The Prometheus text of every series. */
  exposition(): string;
  readonly contentType: string;
}

/** Every method of AgentMetricsCalls (exhaustive by type), for the worker's channel. */
export const METRIC_CALLS = Object.keys({
  setRebootRequired: null,
  setPhase: null,
  setBlocked: null,
  setRebootLoop: null,
  setNotificationFailed: null,
  setDebt: null,
  setSentinelMount: null,
} satisfies Record<keyof AgentMetricsCalls, null>) as (keyof AgentMetricsCalls)[];

export const IDLE_PHASE = 'idle';

// Exhaustive by type: adding a BlockReason kind without listing it here does not compile.
const BLOCK_KINDS: Record<BlockReason['kind'], null> = { hold: null, pod: null, alert: null, unknown: null };

/** Creates the agent's metrics. */
export function createAgentMetrics(options: AgentMetricsOptions): AgentMetrics {
  const base = { node: options.node, policy: options.policy };

  const rebootRequired = gauge({
    name: 'patchwindow_reboot_required',
    help: 'The node needs a reboot (sentinel file or command): 1, else 0.',
  });
  const phase = gauge({
    name: 'patchwindow_phase',
    help: 'Phase of the reboot under way: 1 for the current phase (idle: none), 0 for the others.',
  });
  const blocked = gauge({
    name: 'patchwindow_blocked',
    help: 'A blocker keeps the node from starting a reboot, by kind (hold, pod, alert, unknown = cannot be evaluated): 1, else 0.',
  });
  const rebootLoop = gauge({
    name: 'patchwindow_reboot_loop',
    help: 'The sentinel survived the last reboot; the agent holds off rebooting again: 1, else 0.',
  });
  const notifyFailed = gauge({
    name: 'patchwindow_notification_last_failure_timestamp_seconds',
    help: 'Unix time the last notification of a format was given up after retries (absent: none since the agent started).',
  });
  const pendingSince = gauge({
    name: 'patchwindow_reboot_pending_since_timestamp_seconds',
    help: 'Unix time since which the node needs a reboot (0: it does not). Alert on time() minus it.',
  });
  const lastReboot = gauge({
    name: 'patchwindow_last_reboot_timestamp_seconds',
    help: 'Unix time of the last reboot patchwindow completed on the node (0: none known since the agent started).',
  });
  const maxPending = gauge({
    name: 'patchwindow_reboot_max_pending_seconds',
    help: "The policy's maxPendingDays in seconds: a reboot pending longer is overdue (0: no limit).",
  });
  const sentinelMount = gauge({
    name: 'patchwindow_sentinel_mount_ok',
    help: "The sentinel's directory is the host's: 1; 0: the agent found it is not (wrong or empty mount), so it cannot see a required reboot.",
  });
  const families: Family[] = [
    rebootRequired,
    phase,
    blocked,
    rebootLoop,
    notifyFailed,
    pendingSince,
    lastReboot,
    maxPending,
    sentinelMount,
  ];
  if (options.processMetrics ?? true) families.push(...processFamilies());

  const phaseNames = [IDLE_PHASE, ...PHASES];
  const setPhase = (current: Phase | null): void => {
    for (const p of phaseNames) phase.set({ ...base, phase: p }, p === (current ?? IDLE_PHASE) ? 1 : 0);
  };
  const setBlocked = (reasons: readonly BlockReason[]): void => {
    const present = new Set(reasons.map((r) => r.kind));
    for (const kind of Object.keys(BLOCK_KINDS) as BlockReason['kind'][])
      blocked.set({ ...base, reason: kind }, present.has(kind) ? 1 : 0);
  };

  rebootRequired.set(base, 0);
  rebootLoop.set(base, 0);
  for (const g of [pendingSince, lastReboot, maxPending]) g.set(base, 0);
  sentinelMount.set(base, 1);
  setPhase(null);
  setBlocked([]);

  return {
    exposition: () => exposition(families),
    contentType: EXPOSITION_CONTENT_TYPE,
    setRebootRequired: (required) => rebootRequired.set(base, required ? 1 : 0),
    setPhase,
    setBlocked,
    setRebootLoop: (looping) => rebootLoop.set(base, looping ? 1 : 0),
    setNotificationFailed: (format, atMs) => notifyFailed.set({ ...base, format }, atMs / 1000),
    setDebt(debt) {
      const seconds = (ms: number | null) => (ms === null ? 0 : ms / 1000);
      pendingSince.set(base, seconds(debt.pendingSinceMs));
      // A reboot once known stays known: a worker that has not read it yet must not erase it.
      if (debt.lastRebootMs !== null) lastReboot.set(base, seconds(debt.lastRebootMs));
      maxPending.set(base, seconds(debt.maxPendingMs));
    },
    setSentinelMount: (ok) => sentinelMount.set(base, ok ? 1 : 0),
  };
}
