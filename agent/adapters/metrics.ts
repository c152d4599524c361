// The agent's Prometheus metrics (prom-client), one registry per agent process. Every series carries
// the node and policy, so one query covers the fleet: `max by (policy) (patchwindow_blocked)`,
// `sum(patchwindow_reboot_required) by (policy)`. Label sets are small and fixed (phases, blocker
// kinds) so a flapping state never creates new series; all of them exist from the start at 0, which
// keeps `absent()` and `== 0` alerts meaningful.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BlockReason } from '../blockers.ts';
import { PHASES, type Phase } from '../state.ts';

export interface AgentMetricsOptions {
  readonly node: string;
  readonly policy: string;
  /** Default: a new Registry. */
  readonly registry?: Registry;
  /** prom-client's process and Node.js metrics (CPU, memory, event loop lag); default true. */
  readonly processMetrics?: boolean;
}

/** What the agent reports; each method updates the series of this node and policy. */
export interface AgentMetrics {
  readonly registry: Registry;
  /** patchwindow_reboot_required: the sentinel says the node needs a reboot. */
  setRebootRequired(required: boolean): void;
  /** patchwindow_phase: 1 for `phase` (null: idle, no reboot under way), 0 for the others. */
  setPhase(phase: Phase | null): void;
  /** patchwindow_blocked: 1 for each kind of reason present now (hold, pod, alert, unknown), 0 for the rest. */
  setBlocked(reasons: readonly BlockReason[]): void;
  /** patchwindow_reboot_loop: the sentinel survived a reboot and the agent holds off. */
  setRebootLoop(looping: boolean): void;
  /** patchwindow_slot_wait_seconds: from wanting a slot to holding one. */
  observeSlotWaitMs(ms: number): void;
  /** patchwindow_drain_duration_seconds: one drain, successful or not. */
  observeDrainDurationMs(ms: number): void;
  /** patchwindow_reboots_total: a reboot completed (the boot id changed). */
  countReboot(): void;
  /** patchwindow_failures_total: an attempt failed; `reason` must be a short fixed word (drain, reboot, ...). */
  countFailure(reason: string): void;
  /** patchwindow_notification_failures_total: a notification was given up. */
  countNotificationFailure(format: string): void;
}

export const IDLE_PHASE = 'idle';

// Exhaustive by type: adding a BlockReason kind without listing it here does not compile.
const BLOCK_KINDS: Record<BlockReason['kind'], null> = { hold: null, pod: null, alert: null, unknown: null };

// Seconds. Slots may be waited for over several windows; drains are bounded by drain.timeout.
const SLOT_WAIT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400, 259200];
const DRAIN_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Creates the agent's metrics in a registry (a new one unless given). */
export function createAgentMetrics(options: AgentMetricsOptions): AgentMetrics {
  const registry = options.registry ?? new Registry();
  const base = { node: options.node, policy: options.policy };
  const registers = [registry];
  const nodePolicy = ['node', 'policy'] as const;

  const rebootRequired = new Gauge({ name: 'patchwindow_reboot_required', help: 'The node needs a reboot (sentinel file or command): 1, else 0.', labelNames: nodePolicy, registers });
  const phase = new Gauge({ name: 'patchwindow_phase', help: 'Phase of the reboot under way: 1 for the current phase (idle: none), 0 for the others.', labelNames: [...nodePolicy, 'phase'], registers });
  const blocked = new Gauge({ name: 'patchwindow_blocked', help: 'A blocker keeps the node from starting a reboot, by kind (hold, pod, alert, unknown = cannot be evaluated): 1, else 0.', labelNames: [...nodePolicy, 'reason'], registers });
  const rebootLoop = new Gauge({ name: 'patchwindow_reboot_loop', help: 'The sentinel survived the last reboot; the agent holds off rebooting again: 1, else 0.', labelNames: nodePolicy, registers });
  const slotWait = new Histogram({ name: 'patchwindow_slot_wait_seconds', help: 'Time from wanting a reboot slot to holding one.', labelNames: nodePolicy, buckets: SLOT_WAIT_BUCKETS, registers });
  const drainDuration = new Histogram({ name: 'patchwindow_drain_duration_seconds', help: 'Duration of a drain, successful or not.', labelNames: nodePolicy, buckets: DRAIN_BUCKETS, registers });
  const reboots = new Counter({ name: 'patchwindow_reboots_total', help: 'Reboots completed (the boot id changed).', labelNames: nodePolicy, registers });
  const failures = new Counter({ name: 'patchwindow_failures_total', help: 'Reboot attempts that failed, by reason.', labelNames: [...nodePolicy, 'reason'], registers });
  const notifyFailures = new Counter({ name: 'patchwindow_notification_failures_total', help: 'Notifications given up after retries, by format.', labelNames: [...nodePolicy, 'format'], registers });

  const phaseNames = [IDLE_PHASE, ...PHASES];
  const setPhase = (current: Phase | null): void => {
    for (const p of phaseNames) phase.set({ ...base, phase: p }, p === (current ?? IDLE_PHASE) ? 1 : 0);
  };
  const setBlocked = (reasons: readonly BlockReason[]): void => {
    const present = new Set(reasons.map((r) => r.kind));
    for (const kind of Object.keys(BLOCK_KINDS) as BlockReason['kind'][]) blocked.set({ ...base, reason: kind }, present.has(kind) ? 1 : 0);
  };

  rebootRequired.set(base, 0);
  rebootLoop.set(base, 0);
  reboots.inc(base, 0);
  slotWait.zero(base);
  drainDuration.zero(base);
  setPhase(null);
  setBlocked([]);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    setRebootRequired: (required) => rebootRequired.set(base, required ? 1 : 0),
    setPhase,
    setBlocked,
    setRebootLoop: (looping) => rebootLoop.set(base, looping ? 1 : 0),
    observeSlotWaitMs: (ms) => slotWait.observe(base, ms / 1000),
    observeDrainDurationMs: (ms) => drainDuration.observe(base, ms / 1000),
    countReboot: () => reboots.inc(base),
    countFailure: (reason) => failures.inc({ ...base, reason }),
    countNotificationFailure: (format) => notifyFailures.inc({ ...base, format }),
  };
}
