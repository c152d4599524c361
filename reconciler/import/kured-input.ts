// What the two kinds of kured input have in common once read: the flags and env vars kured got, the
// facts of its pod that change behaviour (where it ran, where the sentinel file really is, its
// zone), and a verdict for every other key. Pure types and small helpers.
import type { Origin, Problem, RawFlag } from './kured-settings.ts';
import type { ParsedDocument } from '../validate/parse.ts';

/** What became of one key of the kured configuration. */
export type Verdict =
  /** Carried over with the same meaning. */
  | 'mapped'
  /** Carried over; patchwindow behaves differently in a way the note states. */
  | 'difference'
  /** No counterpart: kured did something patchwindow will not; the note says what to do. */
  | 'unmapped'
  /** No counterpart needed: patchwindow renders or decides this itself. */
  | 'not-needed';

export interface Finding {
  /** The key as the user wrote it: `configuration.rebootDays`, `--reboot-days`, `KURED_NOTIFY_URL`. */
  readonly key: string;
  readonly origin?: Origin;
  readonly verdict: Verdict;
  /** The patchwindow field it went to, when it went somewhere. */
  readonly to?: string;
  readonly note: string;
}

/** A hostPath volume as the kured container sees it. */
export interface HostMount {
  readonly hostPath: string;
  readonly mountPath: string;
}

export interface PodFacts {
  readonly nodeSelector?: { readonly value: Readonly<Record<string, string>>; readonly origin: Origin };
  readonly tolerations?: { readonly value: readonly Readonly<Record<string, unknown>>[]; readonly origin: Origin };
  readonly affinity?: { readonly value: unknown; readonly origin: Origin };
  readonly hostMounts: readonly HostMount[];
  /** The container's TZ env var, which decides what kured's `Local` zone is. */
  readonly tz?: string;
}

export interface KuredInput {
  readonly kind: 'values' | 'daemonset' | 'none';
  readonly flags: readonly RawFlag[];
  readonly pod: PodFacts;
  readonly findings: readonly Finding[];
  readonly errors: readonly Problem[];
  readonly ignored: readonly Problem[];
}

/** The position of `path` in `doc` as an Origin. */
export function originOf(doc: ParsedDocument, path: readonly (string | number)[], field: string): Origin {
  return { file: doc.file, line: doc.locate(path).line, field };
}

/** Go template truthiness, as the chart's `{{- if ... }}` tests a value. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** A YAML scalar as Helm prints it into an argument. */
export function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
