// The halt of a pool (spec.halt) as kept on the cluster: one record per policy, stored by the
// coordinator when the pool halts and by `patchwindow resume` (or the reconciler, once git says
// paused) when it is lifted. Shared by the coordinator (writes halts), the reconciler (status, git)
// and the CLI (resume), so the format lives here. Failures before the last resume never count again.
import type { FailureKind } from './failures.ts';

/** One failure that counted toward a halt: which node, when, what and why. */
export interface HaltEvidence {
  readonly node: string;
  readonly atMs: number;
  readonly kind: FailureKind;
  readonly reason: string;
}

/** A policy's halt record: halted (with the evidence), or resumed (failures before `atMs` are forgiven). */
export type HaltRecord =
  | {
      readonly state: 'halted';
      readonly atMs: number;
      readonly afterFailures: number;
      readonly withinMs: number;
      readonly failures: readonly HaltEvidence[];
    }
  | { readonly state: 'resumed'; readonly atMs: number; readonly by: string };

/** Annotation key of a policy's record on the halt Lease. */
export function haltKey(policy: string): string {
  return `halt.patchwindow.io/${policy}`;
}

/** The policy a halt Lease annotation key names, or undefined for other keys. */
export function policyOfHaltKey(key: string): string | undefined {
  const prefix = 'halt.patchwindow.io/';
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

export function encodeHalt(r: HaltRecord): string {
  if (r.state === 'resumed') return JSON.stringify({ state: r.state, at: iso(r.atMs), by: r.by });
  return JSON.stringify({
    state: r.state,
    at: iso(r.atMs),
    afterFailures: r.afterFailures,
    within: r.withinMs,
    failures: r.failures.map((f) => ({ node: f.node, at: iso(f.atMs), kind: f.kind, reason: f.reason })),
  });
}

/** The record of an annotation value; undefined when malformed (treated as no record). Never throws. */
export function decodeHalt(raw: string | undefined): HaltRecord | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const atMs = typeof v.at === 'string' ? Date.parse(v.at) : NaN;
    if (Number.isNaN(atMs)) return undefined;
    if (v.state === 'resumed') return { state: 'resumed', atMs, by: typeof v.by === 'string' ? v.by : '' };
    if (v.state !== 'halted' || !Array.isArray(v.failures)) return undefined;
    const failures: HaltEvidence[] = [];
    for (const f of v.failures as Record<string, unknown>[]) {
      const at = typeof f.at === 'string' ? Date.parse(f.at) : NaN;
      if (Number.isNaN(at) || typeof f.node !== 'string') continue;
      failures.push({
        node: f.node,
        atMs: at,
        kind: f.kind as FailureKind,
        reason: typeof f.reason === 'string' ? f.reason : '',
      });
    }
    return {
      state: 'halted',
      atMs,
      afterFailures: typeof v.afterFailures === 'number' ? v.afterFailures : failures.length,
      withinMs: typeof v.within === 'number' ? v.within : 0,
      failures,
    };
  } catch {
    return undefined;
  }
}

/** One line per failure, for status, Events, logs and commit messages. */
export function describeEvidence(failures: readonly HaltEvidence[]): string[] {
  return failures.map((f) => `${iso(f.atMs)} ${f.node}: ${f.kind}: ${f.reason}`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
