// The canary of a policy (pure). With `canary: 1`, the first node of a rollout goes alone and must
// come back healthy before any other node of the policy starts.
//
// How the coordinator knows that a rollout may bring something new: a node's reboot is the moment
// its OS image or kernel (Node status.nodeInfo) changes, and the new version shows only after it.
// So the coordinator keeps, per policy, the *proven* version: the one the last canary came back
// healthy on (at first, the version most of the pool's nodes run). A waiting node needs no canary
// when it runs another version than the proven one (it is behind and catches up to what a canary
// proved) or when it asked for its reboot before that proof (it belongs to the wave the canary
// went first for). Any other waiting node may bring a version no node has run yet: the first of
// them is the canary. The record lives on a cluster object (coordinator/memory.ts), so a restarted
// coordinator neither forgets a canary that is out nor the version it proved.
//
// Back healthy: a new boot id, Ready, not cordoned, its grant released and no attempt under way or
// failed. A canary whose attempt failed holds the policy until it comes back healthy (it may try
// again in a later window, alone).
import type { Phase } from '../../policy/state.ts';
import type { GuardHold } from './model.ts';

/** What the canary needs to know of a member node of the policy. */
export interface CanaryMember {
  readonly name: string;
  readonly uid: string;
  readonly ready: boolean;
  readonly unschedulable: boolean;
  /** OS image and kernel (status.nodeInfo), e.g. "Flatcar 4081.2.0 / 6.6.60". */
  readonly version: string;
  readonly bootId: string;
  /** Since when its agent asks for a grant; null: it does not ask. */
  readonly requestSinceMs: number | null;
  readonly granted: boolean;
  /** Its agent's record; null: none (idle). */
  readonly phase: Phase | null;
  /** Why its last attempt failed (phase failed); null otherwise. */
  readonly failure: string | null;
}

/** The version a canary came back healthy on (node, atMs null: the pool's majority when first seen). */
export interface ProvenVersion {
  readonly version: string;
  readonly node: string | null;
  readonly atMs: number | null;
}

/** The canary out now: granted, not yet back healthy. */
export interface CanaryOut {
  readonly node: string;
  readonly uid: string;
  readonly startedMs: number;
  readonly fromVersion: string;
  readonly fromBootId: string;
  /** Its attempt failed (told once); absent: not failed. */
  readonly failed?: boolean;
}

export interface CanaryRecord {
  readonly proven: ProvenVersion | null;
  readonly out: CanaryOut | null;
}

export const NO_CANARY: CanaryRecord = { proven: null, out: null };

export interface CanaryStep {
  readonly record: CanaryRecord;
  readonly guard: GuardHold | null;
  /** What changed, for the log and an Event on `node`; null: nothing. */
  readonly news: { readonly node: string; readonly text: string; readonly warning: boolean } | null;
}

const UNDER_WAY: readonly (Phase | null)[] = ['cordoning', 'draining', 'rebooting', 'recovering', 'failed'];

/** The canary's state at `nowMs`: the record to keep and the guard that holds the policy, if any. */
export function canaryStep(
  policy: string,
  members: readonly CanaryMember[],
  record: CanaryRecord,
  nowMs: number,
): CanaryStep {
  const proven = record.proven ?? majority(members);
  let news: CanaryStep['news'] = null;
  const out = record.out;
  if (out !== null) {
    const m = members.find((x) => x.name === out.node && x.uid === out.uid);
    const back = m !== undefined && m.bootId !== out.fromBootId && m.ready && !m.unschedulable && !m.granted;
    if (m !== undefined && back && !UNDER_WAY.includes(m.phase)) {
      const now: ProvenVersion = { version: m.version, node: m.name, atMs: nowMs };
      const what = m.version === out.fromVersion ? `still ${m.version}` : `${out.fromVersion} -> ${m.version}`;
      const text = `canary ${m.name} is back healthy (${what}); the other nodes may start`;
      return { record: { proven: now, out: null }, guard: null, news: { node: m.name, text, warning: false } };
    }
    const started = m !== undefined && (m.granted || m.bootId !== out.fromBootId || UNDER_WAY.includes(m.phase));
    if (m !== undefined && (started || m.requestSinceMs !== null)) {
      const failed = m.phase === 'failed';
      const detail = failed
        ? `canary: ${m.name} failed (${m.failure ?? 'no reason recorded'}); no other node of policy ${policy} starts until it is back healthy: fix it, and it tries again in a later window`
        : `canary: waiting for ${m.name} to come back healthy (Ready, uncordoned, its reboot done) before any other node of policy ${policy} starts`;
      // Told once when it fails (the pool's hold reason stays "canary" and is not told again).
      if (failed && out.failed !== true) news = { node: m.name, text: detail, warning: true };
      return {
        record: { proven, out: failed === (out.failed === true) ? out : { ...out, failed } },
        guard: { policy, reason: 'canary', detail, nodes: [m.name], untilMs: null, allow: [m.name], room: 0 },
        news,
      };
    }
    // Deleted, replaced, or it never started and no longer asks: another node goes first.
    const why = m === undefined ? 'its Node is gone or was replaced' : 'it never started and asks no more';
    news = {
      node: out.node,
      text: `canary ${out.node} was given up (${why}); another node goes first`,
      warning: false,
    };
  }
  const next = members
    .filter((m) => m.requestSinceMs !== null && !m.granted && needsCanary(m, proven))
    .sort((a, b) => a.requestSinceMs! - b.requestSinceMs! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
  const guard: GuardHold | null =
    next === undefined
      ? null
      : {
          policy,
          reason: 'canary',
          detail: `canary: waiting for ${next.name}, which goes first and alone; the other nodes of policy ${policy} start once it is back healthy`,
          nodes: [next.name],
          untilMs: null,
          allow: [next.name],
          room: 0,
        };
  return { record: { proven, out: null }, guard, news };
}

/** The record once `m`, the canary, is granted at `nowMs` (kept before the grant is given). */
export function canaryStarted(record: CanaryRecord, m: CanaryMember, nowMs: number): CanaryRecord {
  return {
    proven: record.proven,
    out: { node: m.name, uid: m.uid, startedMs: nowMs, fromVersion: m.version, fromBootId: m.bootId },
  };
}

/** A waiting node may bring a version no canary proved yet. */
function needsCanary(m: CanaryMember, proven: ProvenVersion | null): boolean {
  if (proven === null) return true;
  if (m.version !== proven.version) return false;
  return proven.atMs === null || m.requestSinceMs! > proven.atMs;
}

/** The version most members run (ties: the first in name order); null: none known. */
function majority(members: readonly CanaryMember[]): ProvenVersion | null {
  const counts = new Map<string, number>();
  for (const m of [...members].sort((a, b) => (a.name < b.name ? -1 : 1)))
    if (m.version !== '') counts.set(m.version, (counts.get(m.version) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, c] of counts) if (best === null || c > counts.get(best)!) best = v;
  return best === null ? null : { version: best, node: null, atMs: null };
}
