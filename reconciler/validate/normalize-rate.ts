// The rate limit of a policy (pure): `maxPerHour: N` is shorthand for `maxPerPeriod: {count: N,
// period: 1h}`; one of them, never both, since two limits on one policy would leave the reader to
// work out which one binds.
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import { showValue } from '../../policy/diagnostics.ts';
import type { RateLimit } from '../../policy/model.ts';
import { duration, type Report } from './normalize-fields.ts';

const HOUR_MS = 3_600_000;
/** Starts are remembered this long at most (coordinator/core/rate.ts). */
export const MAX_RATE_PERIOD_MS = 7 * 86_400_000;

export function rateLimit(report: Report, spec: RebootPolicy['spec']): RateLimit | null {
  if (spec.maxPerHour !== undefined && spec.maxPerPeriod !== undefined) {
    report.error(
      ['spec', 'maxPerPeriod'],
      `is given together with maxPerHour (${showValue(spec.maxPerHour)}); keep one: maxPerHour: N means maxPerPeriod: {count: N, period: 1h}`,
      'rate',
    );
  }
  if (spec.maxPerPeriod !== undefined) {
    const { count, period } = spec.maxPerPeriod;
    const periodMs = duration(report, ['spec', 'maxPerPeriod', 'period'], period, HOUR_MS, {
      min: 1_000,
      max: MAX_RATE_PERIOD_MS,
    });
    return { count, periodMs };
  }
  if (spec.maxPerHour !== undefined) return { count: spec.maxPerHour, periodMs: HOUR_MS };
  return null;
}
