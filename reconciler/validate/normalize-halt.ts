// spec.halt as written -> HaltSettings: the schema checks the shape; here the durations' lengths.
import type { HaltSettings } from '../../policy/model.ts';
import { duration, type Report } from './normalize-fields.ts';

/** Default sliding window the failures are counted in. */
export const DEFAULT_HALT_WITHIN_MS = 24 * 3_600_000;
/** Failures older than this are forgotten (the agents keep their notes that long at most). */
export const MAX_HALT_WITHIN_MS = 30 * 86_400_000;
/** Default time a health check may stay false after a node returned before it counts as the node's failure. */
export const DEFAULT_HEALTH_GRACE_MS = 5 * 60_000;
/** Longer than this after a return, a failing check is no longer "right after" the node's reboot. */
export const MAX_HEALTH_GRACE_MS = 3_600_000;

/** The halt settings of a policy that has `spec.halt`. */
export function haltSettings(
  report: Report,
  halt: { afterFailures: number; within?: string; healthGrace?: string },
): HaltSettings {
  return {
    afterFailures: halt.afterFailures,
    withinMs: duration(report, ['spec', 'halt', 'within'], halt.within, DEFAULT_HALT_WITHIN_MS, {
      min: 1,
      max: MAX_HALT_WITHIN_MS,
    }),
    healthGraceMs: duration(report, ['spec', 'halt', 'healthGrace'], halt.healthGrace, DEFAULT_HEALTH_GRACE_MS, {
      min: 1,
      max: MAX_HEALTH_GRACE_MS,
    }),
  };
}
