// The agent's Prometheus metrics. The supervisor keeps the one set of a node; its workers report
// into it over their IPC channel (agent/worker-channel.ts), so counters outlive each worker. Every
// series carries the node and policy, so one query covers the fleet: `max by (policy) (patchwindow_blocked)`,
// `sum(patchwindow_reboot_required) by (policy)`. Label sets are small and fixed (phases, blocker
// kinds) so a flapping state never creates new series; all of them exist from the start at 0, which
// keeps `absent()` and `== 0` alerts meaningful.
import type { BlockReason } from '../core/blockers.ts';
import { PHASES, type Phase } from '../../policy/state.ts';
import {
  counter,
  exposition,
  EXPOSITION_CONTENT_TYPE,
  gauge,
  histogram,
  processFamilies,
  type Family,
} from './exposition.ts';

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
  /** patchwindow_drain_duration_seconds: one drain, successful or not. */
  observeDrainDurationMs(ms: number): void;
  /** patchwindow_reboots_total: a reboot completed (the boot id changed). */
  countReboot(): void;
  /** patchwindow_failures_total: an attempt failed; `reason` must be a short fixed word (drain, reboot, ...). */
  countFailure(reason: string): void;
  /** patchwindow_notification_failures_total: a notification was given up. */
  countNotificationFailure(format: string): void;
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
  observeDrainDurationMs: null,
  countReboot: null,
  countFailure: null,
  countNotificationFailure: null,
} satisfies Record<keyof AgentMetricsCalls, null>) as (keyof AgentMetricsCalls)[];

export const IDLE_PHASE = 'idle';

// Exhaustive by type: adding a BlockReason kind without listing it here does not compile.
const BLOCK_KINDS: Record<BlockReason['kind'], null> = { hold: null, pod: null, alert: null, unknown: null };

// Seconds. Drains are bounded by drain.timeout. (The wait for a grant is the coordinator's metric.)
const DRAIN_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

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
  const drainDuration = histogram({
    name: 'patchwindow_drain_duration_seconds',
    help: 'Duration of a drain, successful or not.',
    buckets: DRAIN_BUCKETS,
  });
  const reboots = counter({ name: 'patchwindow_reboots_total', help: 'Reboots completed (the boot id changed).' });
  const failures = counter({ name: 'patchwindow_failures_total', help: 'Reboot attempts that failed, by reason.' });
  const notifyFailures = counter({
    name: 'patchwindow_notification_failures_total',
    help: 'Notifications given up after retries, by format.',
  });
  const families: Family[] = [
    rebootRequired,
    phase,
    blocked,
    rebootLoop,
    drainDuration,
    reboots,
    failures,
    notifyFailures,
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
  reboots.inc(base, 0);
  drainDuration.zero(base);
  setPhase(null);
  setBlocked([]);

  return {
    exposition: () => exposition(families),
    contentType: EXPOSITION_CONTENT_TYPE,
    setRebootRequired: (required) => rebootRequired.set(base, required ? 1 : 0),
    setPhase,
    setBlocked,
    setRebootLoop: (looping) => rebootLoop.set(base, looping ? 1 : 0),
    observeDrainDurationMs: (ms) => drainDuration.observe(base, ms / 1000),
    countReboot: () => reboots.inc(base),
    countFailure: (reason) => failures.inc({ ...base, reason }),
    countNotificationFailure: (format) => notifyFailures.inc({ ...base, format }),
  };
}
