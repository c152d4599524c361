// The failures the coordinator notes itself: a health check still false `spec.halt.healthGrace`
// after a node returned from its reboot (kind `health-gate`). The coordinator may not write Nodes,
// so it keeps them where it already writes, on the Fleet's halt Lease (kube/halts.ts), one
// annotation per policy beside the halt records. Each note names the return it judged, so one
// return counts at most once, also across coordinator restarts. The list is short by construction:
// notes older than the policy's `within` are dropped, and at most MAX_GATE_FAILURES are kept.
import type { HaltEvidence } from './halt.ts';
import { instantOf, jsonObjects } from './failures.ts';

/** A health gate that failed after a node's return: the evidence, and the return it judged. */
export interface GateFailure extends HaltEvidence {
  readonly kind: 'health-gate';
  /** When the node returned (its agent's last-reboot record). */
  readonly returnedMs: number;
}

/** Kept at most per policy (the newest): more than any spec.halt needs within its window. */
export const MAX_GATE_FAILURES = 50;

const PREFIX = 'gate-failures.patchwindow.io/';

/** Annotation key of a policy's noted failures on the halt Lease. */
export function gateFailuresKey(policy: string): string {
  return `${PREFIX}${policy}`;
}

/** The policy a halt Lease annotation key names for noted failures, or undefined for other keys. */
export function policyOfGateFailuresKey(key: string): string | undefined {
  return key.startsWith(PREFIX) ? key.slice(PREFIX.length) : undefined;
}

/** The list with `added`, without notes older than `withinMs` before `nowMs`, newest MAX_GATE_FAILURES kept. */
export function keepGateFailures(
  list: readonly GateFailure[],
  added: readonly GateFailure[],
  withinMs: number,
  nowMs: number,
): GateFailure[] {
  return [...list, ...added]
    .filter((f) => nowMs - f.atMs < withinMs)
    .sort((a, b) => a.atMs - b.atMs || a.node.localeCompare(b.node))
    .slice(-MAX_GATE_FAILURES);
}

export function encodeGateFailures(list: readonly GateFailure[]): string {
  return JSON.stringify(
    list.map((f) => ({ node: f.node, at: iso(f.atMs), returned: iso(f.returnedMs), kind: f.kind, reason: f.reason })),
  );
}

/** The notes of an annotation value; malformed entries (or value) are skipped. Never throws. */
export function decodeGateFailures(raw: string | undefined): GateFailure[] {
  const out: GateFailure[] = [];
  for (const r of jsonObjects(raw)) {
    const atMs = instantOf(r.at);
    const returnedMs = instantOf(r.returned);
    if (Number.isNaN(atMs) || Number.isNaN(returnedMs) || r.kind !== 'health-gate') continue;
    if (typeof r.node !== 'string' || typeof r.reason !== 'string') continue;
    out.push({ node: r.node, atMs, returnedMs, kind: 'health-gate', reason: r.reason });
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
