// How long a forecast assumes a node's drain and reboot take: its policy's own settings unless the
// user gives a figure for every policy (`forecast --drain/--reboot`). The drain is assumed to take
// drain.timeout, the longest it may (the start gate keeps that much of the window free too); the
// reboot reboot.expectedDuration.
import type { PolicyModel } from '../../policy/model.ts';

/** Figures that replace every policy's own; absent: each policy's. */
export interface DurationOverrides {
  readonly drainMs?: number;
  readonly rebootMs?: number;
}

export interface Durations {
  readonly drainMs: number;
  readonly rebootMs: number;
}

export function durationsOf(policy: PolicyModel, overrides: DurationOverrides): Durations {
  return {
    drainMs: overrides.drainMs ?? policy.drain.timeoutMs,
    rebootMs: overrides.rebootMs ?? policy.reboot.expectedDurationMs,
  };
}
