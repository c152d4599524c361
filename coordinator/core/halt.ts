// When a pool halts itself (spec.halt), pure: count each policy's failures within its sliding window
// — the agents' notes on their Nodes, the nodes not Ready again in time after their reboot, and the
// coordinator's own notes of health gates still false after a node returned (core/returns.ts) — and
// halt it after `afterFailures`. A halt lasts until it is resumed (the record on the cluster says
// so); failures before the last resume never count again, so a resume is not undone at once by the
// very failures that caused the halt.
import type { FailureNote } from '../../policy/failures.ts';
import { formatDuration } from '../../policy/duration.ts';
import { describeEvidence, type HaltEvidence, type HaltRecord } from '../../policy/halt.ts';
import type { HaltSettings } from '../../policy/model.ts';
import type { NodeState } from '../../policy/state.ts';
import type { GuardHold } from './model.ts';

/** What the halt decision knows of one node. */
export interface HaltNode {
  readonly name: string;
  /** The policy the node belongs to now; null: none. */
  readonly policy: string | null;
  readonly ready: boolean;
  /** The agent's notes of failed attempts (annotation patchwindow.io/failures). */
  readonly failures: readonly FailureNote[];
  /** The agent's record (annotation patchwindow.io/state); null: none or unreadable. */
  readonly state: NodeState | null;
}

export interface HaltPolicy {
  readonly name: string;
  readonly halt: HaltSettings;
  /** reboot.expectedDuration: a rebooted node not Ready again this long after its reboot failed. */
  readonly expectedRebootMs: number;
}

export interface HaltInput {
  readonly nodes: readonly HaltNode[];
  readonly policies: readonly HaltPolicy[];
  /** The records kept on the cluster, by policy. */
  readonly records: ReadonlyMap<string, HaltRecord>;
  /** The failures the coordinator noted itself (health gates after a return), by policy. */
  readonly noted?: ReadonlyMap<string, readonly HaltEvidence[]>;
  readonly nowMs: number;
}

export interface HaltOutput {
  /** Guard holds for decideGrants: one per halted policy. */
  readonly guards: readonly GuardHold[];
  /** Records to write now: policies that halt with this decision. */
  readonly halt: ReadonlyMap<string, Extract<HaltRecord, { state: 'halted' }>>;
}

/** The failures that count for `p` now: in its window, after its last resume, oldest first, each once. */
export function countedFailures(
  p: HaltPolicy,
  nodes: readonly HaltNode[],
  noted: readonly HaltEvidence[],
  since: number,
  nowMs: number,
): HaltEvidence[] {
  const from = Math.max(nowMs - p.halt.withinMs, since);
  const seen = new Set<string>();
  const out: HaltEvidence[] = [];
  const add = (e: HaltEvidence) => {
    const key = `${e.node}|${e.atMs}|${e.kind}`;
    if (e.atMs <= from || e.atMs > nowMs || seen.has(key)) return;
    seen.add(key);
    out.push(e);
  };
  for (const n of nodes) {
    for (const f of n.failures)
      if (f.policy === p.name) add({ node: n.name, atMs: f.atMs, kind: f.kind, reason: f.reason });
    const notReady = notReadyFailure(n, p);
    if (notReady !== undefined) add(notReady);
  }
  for (const e of noted) add({ node: e.node, atMs: e.atMs, kind: e.kind, reason: e.reason });
  return out.sort((a, b) => a.atMs - b.atMs || a.node.localeCompare(b.node));
}

/**
 * A node that rebooted (its record says so) and is still not Ready `expectedRebootMs` after: a
 * failure at that instant. Derived from the record, which stays while the node is down, so it holds
 * across coordinator restarts; the agent cannot note it itself while its node is down.
 */
function notReadyFailure(n: HaltNode, p: HaltPolicy): HaltEvidence | undefined {
  const s = n.state;
  if (n.ready || s === null || s.policy !== p.name || s.phase !== 'recovering' || s.outcome !== 'rebooted')
    return undefined;
  return {
    node: n.name,
    atMs: s.sinceMs + p.expectedRebootMs,
    kind: 'not-ready',
    reason: `rebooted at ${new Date(s.sinceMs).toISOString()} but not Ready within ${formatDuration(p.expectedRebootMs)} (reboot.expectedDuration)`,
  };
}

/** Which policies are halted now, and which halt with this decision. */
export function decideHalts(input: HaltInput): HaltOutput {
  const guards: GuardHold[] = [];
  const halt = new Map<string, Extract<HaltRecord, { state: 'halted' }>>();
  for (const p of input.policies) {
    const record = input.records.get(p.name);
    let halted = record?.state === 'halted' ? record : undefined;
    if (halted === undefined) {
      const noted = input.noted?.get(p.name) ?? [];
      const failures = countedFailures(p, input.nodes, noted, record?.atMs ?? -Infinity, input.nowMs);
      if (failures.length < p.halt.afterFailures) continue;
      halted = { state: 'halted', atMs: input.nowMs, ...p.halt, failures };
      halt.set(p.name, halted);
    }
    guards.push(haltGuard(p.name, halted));
  }
  return { guards, halt };
}

/** The guard hold of a halted policy, saying why. */
export function haltGuard(policy: string, r: Extract<HaltRecord, { state: 'halted' }>): GuardHold {
  const evidence = describeEvidence(r.failures).join('; ');
  return {
    policy,
    reason: 'halted',
    detail: `halted at ${new Date(r.atMs).toISOString()} after ${r.failures.length} failures within ${formatDuration(r.withinMs)} (spec.halt): ${evidence}; resume with patchwindow resume ${policy}`,
    nodes: [...new Set(r.failures.map((f) => f.node))].sort(),
    untilMs: null,
  };
}
