// The rate limit and the canary of every policy, from the coordinator's caches and its memory, as
// guard holds for the grant decision (coordinator/core rate.ts, canary.ts); and the memory to keep
// once a decision's grants are known. Pure: the shell reads and writes the memory.
//
// Starts: the memory keeps each grant's start for the policy's rate period; a grant held now counts
// too, so a start given just before a crash that the memory missed is never forgotten.
import type { Grant, NodeInfo } from '../kube/ports.ts';
import type { AgentConfig } from '../policy/model.ts';
import { decodeState } from '../policy/state.ts';
import { canaryStarted, canaryStep, NO_CANARY, type CanaryMember } from './core/canary.ts';
import type { GrantDecision, GuardHold } from './core/model.ts';
import { pruneStarts, rateGuard, type Start } from './core/rate.ts';
import { requestOf } from './core/request.ts';
import type { MemoryData } from './memory.ts';
import { policyOf, type FleetConfig } from './view.ts';
import { STATE_ANNOTATION } from '../policy/keys.ts';

/** A start in the memory and a held grant within this much of each other are the same start. */
const SAME_START_MS = 60_000;

export interface GuardRails {
  readonly guards: readonly GuardHold[];
  /** The memory with this instant's canary steps (proofs, canaries given up). */
  readonly memory: MemoryData;
  /** What changed, for the log. */
  readonly news: readonly { readonly policy: string; readonly text: string }[];
}

export function guardRails(o: {
  fleet: FleetConfig;
  nodes: readonly NodeInfo[];
  grants: readonly Grant[];
  memory: MemoryData;
  nowMs: number;
}): GuardRails {
  const guards: GuardHold[] = [];
  const canaries = { ...o.memory.canaries };
  const news: { policy: string; text: string }[] = [];
  for (const c of o.fleet.configs) {
    const p = c.policy;
    if (p.rate !== null) guards.push(rateGuard(p.name, p.rate, startsOf(o.memory, o.grants, p.name), o.nowMs));
    if (!p.canary) continue;
    const step = canaryStep(p.name, members(o.fleet, c, o.nodes, o.grants), canaries[p.name] ?? NO_CANARY, o.nowMs);
    canaries[p.name] = step.record;
    if (step.guard !== null) guards.push(step.guard);
    if (step.news !== null) news.push({ policy: p.name, text: step.news });
  }
  return { guards, memory: { ...o.memory, canaries }, news };
}

/** The memory after `grants` were decided at `nowMs`: their starts, and the canary each one is. */
export function afterGrants(o: {
  fleet: FleetConfig;
  rails: GuardRails;
  grants: readonly GrantDecision[];
  nodes: readonly NodeInfo[];
  nowMs: number;
}): MemoryData {
  const starts: Record<string, readonly Start[]> = {};
  const canaries = { ...o.rails.memory.canaries };
  for (const c of o.fleet.configs) {
    const p = c.policy;
    const given = o.grants.filter((g) => g.policy === p.name);
    const all = [...(o.rails.memory.starts[p.name] ?? []), ...given.map((g) => ({ node: g.node, atMs: o.nowMs }))];
    const kept = pruneStarts(p.rate, all, o.nowMs);
    if (kept.length > 0) starts[p.name] = kept;
    const record = canaries[p.name];
    if (!p.canary || record === undefined || record.out !== null) continue;
    const canary = o.rails.guards.find((g) => g.policy === p.name && g.reason === 'canary');
    const first = given.find((g) => canary?.allow?.includes(g.node) === true);
    if (first === undefined) continue;
    const m = members(o.fleet, c, o.nodes, []).find((x) => x.name === first.node)!;
    canaries[p.name] = canaryStarted(record, m, o.nowMs);
  }
  return { starts, canaries };
}

/** The remembered starts of a policy plus the grants it holds now that the memory does not have. */
function startsOf(memory: MemoryData, grants: readonly Grant[], policy: string): Start[] {
  const kept = memory.starts[policy] ?? [];
  const held = grants
    .filter((g) => g.policy === policy)
    .filter((g) => !kept.some((s) => s.node === g.node && Math.abs(s.atMs - g.grantedMs) <= SAME_START_MS))
    .map((g) => ({ node: g.node, atMs: g.grantedMs }));
  return [...kept, ...held];
}

function members(
  fleet: FleetConfig,
  c: AgentConfig,
  nodes: readonly NodeInfo[],
  grants: readonly Grant[],
): CanaryMember[] {
  const out: CanaryMember[] = [];
  for (const n of nodes) {
    if (policyOf(fleet, n.labels) !== c.policy.name) continue;
    const read = decodeState(n.annotations[STATE_ANNOTATION]);
    const state = read.kind === 'ok' ? read.state : null;
    out.push({
      name: n.name,
      uid: n.uid,
      ready: n.ready,
      unschedulable: n.unschedulable,
      version: [n.system.osImage, n.system.kernelVersion].filter((x) => x !== '').join(' / '),
      bootId: n.system.bootId,
      requestSinceMs: requestOf(n, c.policy.name)?.sinceMs ?? null,
      granted: grants.some((g) => g.node === n.name),
      phase: state?.phase ?? null,
      failure: state?.phase === 'failed' ? (state.reason ?? null) : null,
    });
  }
  return out;
}
