// The failed attempts an agent notes on its own Node (annotation patchwindow.io/failures). They are
// written in the same PATCH as the state record that ends the attempt, so neither an agent crash nor
// a coordinator restart loses one: the coordinator reads them from the Nodes whenever it decides,
// and counts them against spec.halt. The list is short by construction (newest kept, old dropped).

/**
 * Every kind of failure that counts toward spec.halt, one a line (add a kind here, and only here):
 * all but `health-gate` are noted by the agent on its Node, `health-gate` by the coordinator on its
 * halt Lease (policy/gate-failures.ts).
 */
export const FAILURE_KINDS = [
  'drain', // the drain failed
  'reboot', // the reboot did not happen (same boot id)
  'reboot-loop', // the node still needs a reboot after it (the update did not take)
  'not-ready', // the node was not Ready again in time
  'pre-hook', // the pre-reboot hook Job failed or timed out (before the cordon)
  'post-hook', // the post-reboot hook Job failed or timed out (after the uncordon)
  'health-gate', // a health check still false a while after the node returned
] as const;

/** What failed (FAILURE_KINDS). */
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** One failed attempt. */
export interface FailureNote {
  readonly atMs: number;
  readonly policy: string;
  readonly kind: FailureKind;
  readonly reason: string;
}

/** Kept at most: more than any spec.halt needs from one node within its window. */
export const MAX_FAILURE_NOTES = 20;
/** Older notes are dropped when a new one is written (spec.halt.within is at most 30d). */
export const FAILURE_NOTE_TTL_MS = 30 * 86_400_000;

/** The annotation value with `note` added (and notes too old or too many dropped). */
export function appendFailure(raw: string | undefined, note: FailureNote): string {
  const kept = decodeFailures(raw).filter((n) => note.atMs - n.atMs < FAILURE_NOTE_TTL_MS);
  const all = [...kept, note].sort((a, b) => a.atMs - b.atMs).slice(-MAX_FAILURE_NOTES);
  return JSON.stringify(
    all.map((n) => ({ at: new Date(n.atMs).toISOString(), policy: n.policy, kind: n.kind, reason: n.reason })),
  );
}

/** The notes of an annotation value; malformed entries (or a malformed value) are skipped. Never throws. */
export function decodeFailures(raw: string | undefined): FailureNote[] {
  const out: FailureNote[] = [];
  for (const r of jsonObjects(raw)) {
    const atMs = instantOf(r.at);
    if (Number.isNaN(atMs) || typeof r.policy !== 'string' || typeof r.reason !== 'string') continue;
    if (!isFailureKind(r.kind)) continue;
    out.push({ atMs, policy: r.policy, kind: r.kind, reason: r.reason });
  }
  return out;
}

/** The objects of an annotation value holding a JSON list; none for anything else. Never throws. */
export function jsonObjects(raw: string | undefined): Record<string, unknown>[] {
  if (raw === undefined) return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  return (v as unknown[]).filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
}

/** Milliseconds of an RFC 3339 instant written in a note; NaN for anything else. */
export function instantOf(v: unknown): number {
  return typeof v === 'string' ? Date.parse(v) : NaN;
}

/** Whether `v` names a known failure kind. */
export function isFailureKind(v: unknown): v is FailureKind {
  return (FAILURE_KINDS as readonly unknown[]).includes(v);
}
