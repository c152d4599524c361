// Alertmanager silences held while a node reboots (spec.silences), the pure part shared by
// `validate` and the agent: filling `{node}` and `{policy}` into the matchers, the rules a matcher
// set must follow for Alertmanager to take it, and how far each extension of the lease reaches.
import type { SilenceMatcher, SilenceSettings } from './model.ts';

/** What the matcher templates may name. */
export interface SilenceSubject {
  readonly node: string;
  readonly policy: string;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const KNOWN = new Set(['node', 'policy']);
/** Alertmanager's classic label names (what every version accepts). */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Escapes a literal for a regular expression (RE2 and JavaScript read the escapes the same). */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The matchers with `{node}` and `{policy}` filled in; escaped inside regular expressions. */
export function fillMatchers(matchers: readonly SilenceMatcher[], subject: SilenceSubject): SilenceMatcher[] {
  return matchers.map((m) => ({
    ...m,
    value: m.value.replace(PLACEHOLDER, (whole, key: string) => {
      if (!KNOWN.has(key)) return whole;
      const text = subject[key as keyof SilenceSubject];
      return m.isRegex ? escapeRegex(text) : text;
    }),
  }));
}

/** Why one matcher as written cannot be used (checked on a sample subject); undefined when fine. */
export function matcherProblem(m: SilenceMatcher, field: 'name' | 'value'): string | undefined {
  if (field === 'name')
    return LABEL_NAME.test(m.name) ? undefined : 'is not a label name; use letters, digits and _ (e.g. instance)';
  for (const [, key] of m.value.matchAll(PLACEHOLDER))
    if (!KNOWN.has(key!)) return `names an unknown placeholder {${key}}; use {node} or {policy}`;
  if (!m.isRegex) return undefined;
  const [filled] = fillMatchers([m], SAMPLE);
  try {
    new RegExp(filled!.value, 'u');
  } catch (err: unknown) {
    return `is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  return undefined;
}

const SAMPLE: SilenceSubject = { node: 'node-1.example', policy: 'general' };

/** Whether the matcher selects alerts without the label (Alertmanager refuses silences of only such). */
function matchesEmpty(m: SilenceMatcher): boolean {
  const [filled] = fillMatchers([m], SAMPLE);
  let hit: boolean;
  if (!m.isRegex) hit = filled!.value === '';
  else {
    try {
      hit = new RegExp(`^(?:${filled!.value})$`, 'u').test('');
    } catch {
      return false;
    }
  }
  return hit === m.isEqual;
}

/** True when every matcher also matches the empty value: Alertmanager would refuse the silence. */
export function matchesEverything(matchers: readonly SilenceMatcher[]): boolean {
  return matchers.every(matchesEmpty);
}

/**
 * How far the lease reaches when (re)written at `nowMs`: `duration` from now, never past
 * `maxDuration` after its creation (`startedMs`), so a stuck reboot pages again.
 */
export function silenceEndsAt(settings: SilenceSettings, startedMs: number, nowMs: number): number {
  return Math.min(nowMs + settings.durationMs, startedMs + settings.maxDurationMs);
}

/** How long the agent waits between extensions: a third of the duration, so two may fail in a row. */
export function extendEveryMs(settings: SilenceSettings): number {
  return Math.max(1_000, Math.floor(settings.durationMs / 3));
}
