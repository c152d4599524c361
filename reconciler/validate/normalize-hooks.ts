// spec.hooks as written -> PolicyHooks: each hook is named in the policy and resolved against the
// install settings, which alone define its Job (DESIGN.md invariant 8); the timeout becomes the
// Job's activeDeadlineSeconds. A Job body written in a policy is refused by the schema
// (additionalProperties) and, with its fix, by install-fields.ts.
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import type { HookKind, HookRun, PolicyHooks } from '../../policy/hooks.ts';
import { duration, type Report } from './normalize-fields.ts';
import { resolveHook, type InstallSettings } from './install.ts';

type Written = NonNullable<RebootPolicy['spec']['hooks']>;

/** Default hook timeout. */
export const DEFAULT_HOOK_TIMEOUT_MS = 10 * 60_000;
/** Longest hook timeout: a grant held longer than a day by a hook is a stuck hook. */
export const MAX_HOOK_TIMEOUT_MS = 24 * 3_600_000;

/** The normalized hooks; undefined when the policy names none. */
export function policyHooks(
  report: Report,
  written: Written | undefined,
  install: InstallSettings,
): PolicyHooks | undefined {
  if (written === undefined) return undefined;
  const out: { -readonly [K in HookKind]?: HookRun } = {};
  for (const kind of ['preReboot', 'postReboot'] as const) {
    const w = written[kind];
    if (w === undefined) continue;
    const at = ['spec', 'hooks', kind] as const;
    const timeoutMs = duration(report, [...at, 'timeout'], w.timeout, DEFAULT_HOOK_TIMEOUT_MS, {
      min: 1_000,
      max: MAX_HOOK_TIMEOUT_MS,
    });
    const resolved = resolveHook(install, w.hook);
    if ('problem' in resolved) {
      report.error([...at, 'hook'], resolved.problem, 'hook');
      continue;
    }
    const onFailure = 'onFailure' in w && w.onFailure !== undefined ? w.onFailure : 'abort';
    out[kind] = { hook: w.hook, timeoutMs, onFailure, template: resolved.job };
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
