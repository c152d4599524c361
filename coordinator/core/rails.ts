// The rate limit and the canary of every policy as guard holds for one grant decision, and what to
// remember once its grants are known (pure). The coordinator's shell (coordinator/guard-rails.ts)
// and the forecast (reconciler/forecast/coordinate.ts) both run these, on what they know of the
// nodes and on the memory they keep (the coordinator on a cluster object, the forecast in process).
import type { RateLimit } from '../../policy/model.ts';
import { STATE_ANNOTATION } from '../../policy/keys.ts';
import { decodeState } from '../../policy/state.ts';
import {
  canaryStarted,
  canaryStep,
  NO_CANARY,
  type CanaryMember,
  type CanaryRecord,
  type CanaryStep,
} from './canary.ts';
import type { GrantDecision, GuardHold } from './model.ts';
import { pruneStarts, rateGuard, type Start } from './rate.ts';

/** What the guard rails need of a policy. */
export interface RailsPolicy {
  readonly name: string;
  readonly rate: RateLimit | null;
  readonly canary: boolean;
}

/** What is remembered across decisions: the starts of each rate period, each policy's canary record. */
export interface RailsMemory {
  readonly starts: Readonly<Record<string, readonly Start[]>>;
  readonly canaries: Readonly<Record<string, CanaryRecord>>;
}

export const EMPTY_RAILS: RailsMemory = { starts: {}, canaries: {} };

export interface Rails {
  readonly guards: readonly GuardHold[];
  /** The memory with this instant's canary steps (proofs, canaries given up). */
  readonly memory: RailsMemory;
  /** What changed, for the log and an Event on the node. */
  readonly news: readonly (NonNullable<CanaryStep['news']> & { readonly policy: string })[];
  /** The canary members of each canary policy, as seen now. */
  readonly members: ReadonlyMap<string, readonly CanaryMember[]>;
}

/**
 * The guards at `nowMs`. `held(policy)`: starts of grants held now; one the memory lacks (given just
 * before a crash) counts too, so a start is never forgotten.
 */
export function railGuards(o: {
  policies: readonly RailsPolicy[];
  memory: RailsMemory;
  membersOf: (policy: string) => CanaryMember[];
  held: (policy: string) => readonly Start[];
  nowMs: number;
}): Rails {
  const guards: GuardHold[] = [];
  const canaries = { ...o.memory.canaries };
  const news: Rails['news'][number][] = [];
  const members = new Map<string, CanaryMember[]>();
  for (const p of o.policies) {
    if (p.rate !== null) {
      const kept = o.memory.starts[p.name] ?? [];
      const missing = o.held(p.name).filter((h) => !kept.some((s) => sameStart(s, h)));
      guards.push(rateGuard(p.name, p.rate, [...kept, ...missing], o.nowMs));
    }
    if (!p.canary) continue;
    members.set(p.name, o.membersOf(p.name));
    const step = canaryStep(p.name, members.get(p.name)!, canaries[p.name] ?? NO_CANARY, o.nowMs);
    canaries[p.name] = step.record;
    if (step.guard !== null) guards.push(step.guard);
    if (step.news !== null) news.push({ policy: p.name, ...step.news });
  }
  return { guards, memory: { ...o.memory, canaries }, news, members };
}

/** The memory after `grants` were decided at `nowMs`: their starts, and the canary a grant is. */
export function railsAfter(
  policies: readonly RailsPolicy[],
  rails: Rails,
  grants: readonly GrantDecision[],
  nowMs: number,
): RailsMemory {
  const starts: Record<string, readonly Start[]> = {};
  const canaries = { ...rails.memory.canaries };
  for (const p of policies) {
    const given = grants.filter((g) => g.policy === p.name);
    const all = [...(rails.memory.starts[p.name] ?? []), ...given.map((g) => ({ node: g.node, atMs: nowMs }))];
    const kept = pruneStarts(p.rate, all, nowMs);
    if (kept.length > 0) starts[p.name] = kept;
    const record = canaries[p.name];
    if (!p.canary || record === undefined || record.out !== null) continue;
    const guard = rails.guards.find((g) => g.policy === p.name && g.reason === 'canary');
    const first = given.find((g) => guard?.allow?.includes(g.node) === true);
    const m = first && rails.members.get(p.name)?.find((x) => x.name === first.node);
    if (m !== undefined) canaries[p.name] = canaryStarted(record, m, nowMs);
  }
  return { starts, canaries };
}

/** The canary's view of a node, its agent's record read from its annotations. */
export function canaryMember(n: {
  readonly name: string;
  readonly uid: string;
  readonly ready: boolean;
  readonly unschedulable: boolean;
  readonly annotations: Readonly<Record<string, string>>;
  readonly version: string;
  readonly bootId: string;
  readonly requestSinceMs: number | null;
  readonly granted: boolean;
}): CanaryMember {
  const read = decodeState(n.annotations[STATE_ANNOTATION]);
  const state = read.kind === 'ok' ? read.state : null;
  return {
    name: n.name,
    uid: n.uid,
    ready: n.ready,
    unschedulable: n.unschedulable,
    version: n.version,
    bootId: n.bootId,
    requestSinceMs: n.requestSinceMs,
    granted: n.granted,
    phase: state?.phase ?? null,
    failure: state?.phase === 'failed' ? (state.reason ?? null) : null,
  };
}

/** A start in the memory and a held grant within this much of each other are the same start. */
const SAME_START_MS = 60_000;

function sameStart(a: Start, b: Start): boolean {
  return a.node === b.node && Math.abs(a.atMs - b.atMs) <= SAME_START_MS;
}
