// What the agent process tells about itself besides Events: its observer calls mapped onto the
// Prometheus series (adapters/metrics.ts) and the liveness of the decision loop
// behind /healthz.
import type { AgentMetricsCalls } from './adapters/metrics.ts';
import type { AgentObserver } from './observer.ts';

/**
 * How late the loop may be on the next decision it announced before /healthz fails: one step's
 * port calls (a retried release, a settle wait of 10 s, a reboot command of up to 30 s) plus the
 * longest back-off after failures (60 s), with room to spare. The kubelet restarts the agent after
 * the probe failed three times (20 s apart), and the state on the Node lets the new one continue.
 */
export const LIVENESS_GRACE_MS = 3 * 60_000;

/** Liveness from the loop's progress reports: healthy until `graceMs` after the announced decision. */
export interface Liveness {
  progressed(nextByMs: number): void;
  healthy(): boolean;
}

export function loopLiveness(now: () => number, graceMs = LIVENESS_GRACE_MS): Liveness {
  let dueMs = now() + graceMs;
  return {
    progressed: (nextByMs) => void (dueMs = nextByMs + graceMs),
    healthy: () => now() <= dueMs,
  };
}

/** The observer of an agent process: metrics and liveness. */
export function processObserver(metrics: AgentMetricsCalls, liveness: Liveness): AgentObserver {
  return {
    rebootRequired(required) {
      // Unknown (null) keeps the last known value; the SentinelUnknown Event says why.
      if (required !== null) metrics.setRebootRequired(required);
    },
    phase: (phase) => metrics.setPhase(phase),
    blocked: (reasons) => metrics.setBlocked(reasons),
    rebootLoop: (active) => metrics.setRebootLoop(active),
    // Drains, reboots and failures are the coordinator's fleet series (they outlive this process).
    drained() {},
    rebootCommanded() {},
    rebooted() {},
    failed() {},
    // The loop logs every failed call itself, with the back-off.
    error() {},
    progress: (nextByMs) => liveness.progressed(nextByMs),
    debt: (pendingSinceMs, lastRebootMs, maxPendingMs) =>
      metrics.setDebt({ pendingSinceMs, lastRebootMs, maxPendingMs }),
  };
}
