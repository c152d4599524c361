// What the agent tells the outside besides Events and notifications: an observer for metrics (the
// metrics adapter maps each call onto a prom-client series) and a structured log.
import type { BlockReason } from './core/blockers.ts';
import type { Phase } from '../policy/state.ts';

/** Callbacks for metrics; every call is cheap and must not throw (errors are swallowed). */
export interface AgentObserver {
  /** The sentinel's answer changed (null: it cannot be checked). */
  rebootRequired(required: boolean | null): void;
  /** The recorded phase changed (null: no reboot under way). */
  phase(phase: Phase | null): void;
  /** What blocks the node from starting now (empty: nothing; told on every change). */
  blocked(reasons: readonly BlockReason[]): void;
  /** The reboot-loop guard holds the node back (the sentinel survived the last reboot). */
  rebootLoop(active: boolean): void;
  drained(ok: boolean, durationMs: number): void;
  /** The reboot was commanded. */
  rebootCommanded(): void;
  /** The node came back with a new boot id; `downMs` since the reboot was commanded (null: unknown). */
  rebooted(downMs: number | null): void;
  /** An attempt failed: `drain` (drain failed or timed out) or `reboot` (no new boot id in time). */
  failed(kind: 'drain' | 'reboot'): void;
  /** A port call failed; the agent retries with back-off. */
  error(operation: string, message: string): void;
  /**
   * The loop decided its next action and will decide again by `nextByMs` (after a wait or a drain,
   * else at once, give or take one step's port calls). The liveness probe fails when it does not.
   */
  progress?(nextByMs: number): void;
}

/** An observer that ignores everything. */
export const NO_OBSERVER: AgentObserver = {
  rebootRequired() {},
  phase() {},
  blocked() {},
  rebootLoop() {},
  drained() {},
  rebootCommanded() {},
  rebooted() {},
  failed() {},
  error() {},
};

/** Calls the observer, never letting a faulty one break the agent (a metrics bug must not stop a reboot half-way). */
export function safely(o: AgentObserver): AgentObserver {
  const guard = (call: () => void): void => {
    try {
      call();
    } catch {
      // Swallowed on purpose: see above.
    }
  };
  return {
    rebootRequired: (required) => guard(() => o.rebootRequired(required)),
    phase: (phase) => guard(() => o.phase(phase)),
    blocked: (reasons) => guard(() => o.blocked(reasons)),
    rebootLoop: (active) => guard(() => o.rebootLoop(active)),
    drained: (ok, durationMs) => guard(() => o.drained(ok, durationMs)),
    rebootCommanded: () => guard(() => o.rebootCommanded()),
    rebooted: (downMs) => guard(() => o.rebooted(downMs)),
    failed: (kind) => guard(() => o.failed(kind)),
    error: (operation, message) => guard(() => o.error(operation, message)),
    progress: (nextByMs) => guard(() => o.progress?.(nextByMs)),
  };
}
