// spec.silences as written -> SilenceSettings: the Alertmanager URL (http(s), no credentials, like
// the alert blocker's), the matchers (label names, placeholders, regular expressions, and not all
// matching the empty value, which Alertmanager refuses) and the lease's durations.
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import type { SilenceMatcher, SilenceSettings } from '../../policy/model.ts';
import { matcherProblem, matchesEverything } from '../../policy/silence.ts';
import { duration, url, type Report } from './normalize-fields.ts';
import { showValue } from '../../policy/diagnostics.ts';

type Written = NonNullable<RebootPolicy['spec']['silences']>;

/** The normalized silence settings; null when the policy has none. */
export function silences(
  report: Report,
  written: Written | undefined,
  expectedRebootMs: number,
): SilenceSettings | null {
  if (written === undefined) return null;
  const at = ['spec', 'silences'] as const;
  url(report, [...at, 'alertmanagerUrl'], written.alertmanagerUrl);
  const matchers: SilenceMatcher[] = written.matchers.map((m, i) => {
    const matcher = { name: m.name, value: m.value, isRegex: m.isRegex ?? false, isEqual: m.isEqual ?? true };
    for (const field of ['name', 'value'] as const) {
      const problem = matcherProblem(matcher, field);
      if (problem !== undefined)
        report.error([...at, 'matchers', i, field], `${showValue(matcher[field])} ${problem}`, 'silence-matcher');
    }
    return matcher;
  });
  if (matchers.length > 0 && matchesEverything(matchers))
    report.error(
      [...at, 'matchers'],
      'every matcher also matches alerts without that label, so Alertmanager would refuse the silence; add one that names a value, e.g. {name: instance, value: "{node}"}',
      'silence-matcher',
    );
  const durationMs = duration(report, [...at, 'duration'], written.duration, 15 * 60_000, { min: 1_000 });
  const maxDurationMs = duration(report, [...at, 'maxDuration'], written.maxDuration, 4 * 3_600_000, { min: 1_000 });
  const graceMs = duration(report, [...at, 'grace'], written.grace, 2 * 60_000, { min: 0 });
  if (maxDurationMs < durationMs)
    report.error(
      [...at, 'maxDuration'],
      `${showValue(written.maxDuration)} is shorter than duration ${showValue(written.duration ?? '15m')}; make it at least as long`,
      'silence-duration',
    );
  else if (durationMs < expectedRebootMs)
    report.warning(
      [...at, 'duration'],
      `${showValue(written.duration ?? '15m')} is shorter than reboot.expectedDuration: the agent is down during the reboot and cannot extend the silence, so alerts may page before the node is back; make it longer`,
      'silence-duration',
    );
  return { alertmanagerUrl: written.alertmanagerUrl, matchers, durationMs, maxDurationMs, graceMs };
}
