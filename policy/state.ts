// The agent's record of its work, kept on the Node itself (annotation patchwindow.io/state), never
// in the grant Lease: a lost grant must not make the agent forget that it cordoned the node or
// which labels it set (the flaw of kured's lock, research/kured.md §6.3). Written before each step,
// so a restart at any point continues from the record. A record in phase `acquiring` is the
// node's request for a grant, which the coordinator reads (docs/decisions/0007).
//
// Reading is defensive: a value that is not a well-formed record of this version comes back as
// `corrupt` with the problem named; the agent then assumes nothing (it never uncordons a node or
// removes a label it does not know it changed).

/**
 * What the agent is doing. `acquiring`: it asks the coordinator for a grant. `failed`: an attempt
 * failed and the node waits for a later window.
 */
export type Phase = 'acquiring' | 'cordoning' | 'draining' | 'rebooting' | 'recovering' | 'failed';

/** Every phase, in the order a reboot goes through them. */
export const PHASES: readonly Phase[] = ['acquiring', 'cordoning', 'draining', 'rebooting', 'recovering', 'failed'];

/** How an attempt ended, while `recovering` undoes it. `lost`: its grant was lost; the node asks again. */
export type Outcome = 'rebooted' | 'failed' | 'cancelled' | 'lost';

/** The record the agent keeps on its Node (annotation patchwindow.io/state). */
export interface NodeState {
  readonly phase: Phase;
  readonly policy: string;
  /** 1 for the first attempt at this reboot; counts attempts that failed before. */
  readonly attempt: number;
  /** Boot id when the attempt started; a different one later means the node rebooted. */
  readonly bootId: string;
  /**
   * From cordoning on: the epoch (uid) of the grant this attempt runs under, recorded before the
   * cordon. Every step that cannot be undone is taken only while that grant is still this node's.
   */
  readonly grant?: string;
  /** acquiring: why the pod or alert blockers hold the node (the coordinator does not grant then). */
  readonly blocked?: string;
  /** The agent cordoned the node (its cordon carries this attempt's epoch) and must uncordon it. */
  readonly cordoned: boolean;
  /** Pre-reboot labels the agent set: key -> value before (null: the label was absent). */
  readonly labels: Readonly<Record<string, string | null>>;
  readonly startedMs: number;
  /** When this phase was entered. */
  readonly sinceMs: number;
  /**
   * acquiring: when the agent last refreshed its request (it does so every third of the grant TTL
   * while it waits). The coordinator grants only a request refreshed within the TTL: a stalled
   * agent's request is not granted (docs/decisions/0007).
   */
  readonly renewedMs?: number;
  /** draining and later: the drain gives up at this instant. */
  readonly drainDeadlineMs?: number;
  /** rebooting: the reboot is commanded at this instant (after reboot.delay). */
  readonly rebootAtMs?: number;
  /** recovering: what is being undone. */
  readonly outcome?: Outcome;
  /** recovering (failed): leave the node cordoned (drain.onFailure stayCordoned). */
  readonly keepCordoned?: boolean;
  /** recovering (failed, cancelled) and failed: why. */
  readonly reason?: string;
  /** failed: no new attempt before this instant. */
  readonly retryAfterMs?: number;
  /** The Alertmanager silence this attempt holds (spec.silences); `ended`: told to end after the grace. */
  readonly silence?: SilenceRecord;
  /**
   * recovering: the post-reboot hook's result as the coordinator wrote it on the grant (`succeeded`
   * or `failed: reason`), recorded before the grant is given back (and the failure noted once).
   */
  readonly postHook?: string;
}

/** An Alertmanager silence held as a lease by one attempt; kept so a restarted agent continues or ends it. */
export interface SilenceRecord {
  readonly id: string;
  /** When it was created: it is never extended beyond spec.silences.maxDuration after this. */
  readonly startedMs: number;
  readonly ended: boolean;
}

/** The annotation as read: absent, a valid record, or something the agent cannot trust. */
export type StateRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly state: NodeState }
  | { readonly kind: 'corrupt'; readonly raw: string; readonly problem: string };

/** The last completed reboot (annotation patchwindow.io/last-reboot). */
export interface LastReboot {
  readonly atMs: number;
  readonly bootId: string;
  /** The sentinel was still there right after the reboot: a reboot loop. */
  readonly sentinelSurvived: boolean;
}

// Version 2: the grant epoch replaced the slot list of version 1 (docs/decisions/0007).
const VERSION = 2;
/** Phases that run under a grant: the record names its epoch. */
const GRANTED: readonly Phase[] = ['cordoning', 'draining', 'rebooting'];
const OUTCOMES: readonly Outcome[] = ['rebooted', 'failed', 'cancelled', 'lost'];
const TIMES = [
  ['startedMs', 'startedAt'],
  ['sinceMs', 'since'],
  ['renewedMs', 'renewed'],
  ['drainDeadlineMs', 'drainDeadline'],
  ['rebootAtMs', 'rebootAt'],
  ['retryAfterMs', 'retryAfter'],
] as const;

/** The annotation value of a state: JSON with RFC 3339 times, keys in a fixed order. */
export function encodeState(s: NodeState): string {
  const out: Record<string, unknown> = {
    version: VERSION,
    phase: s.phase,
    policy: s.policy,
    attempt: s.attempt,
    bootId: s.bootId,
    ...(s.grant !== undefined ? { grant: s.grant } : {}),
    ...(s.blocked !== undefined ? { blocked: s.blocked } : {}),
    cordoned: s.cordoned,
    labels: s.labels,
  };
  for (const [field, key] of TIMES) {
    const ms = s[field];
    if (ms !== undefined) out[key] = new Date(ms).toISOString();
  }
  if (s.outcome !== undefined) out.outcome = s.outcome;
  if (s.keepCordoned !== undefined) out.keepCordoned = s.keepCordoned;
  if (s.reason !== undefined) out.reason = s.reason;
  if (s.silence !== undefined)
    out.silence = { id: s.silence.id, startedAt: new Date(s.silence.startedMs).toISOString(), ended: s.silence.ended };
  if (s.postHook !== undefined) out.postHook = s.postHook;
  return JSON.stringify(out);
}

/** When a waiting node's request was last refreshed (one not refreshed yet: when it was written). */
export function requestRefreshedMs(s: NodeState): number {
  return Math.max(s.sinceMs, s.renewedMs ?? s.sinceMs);
}

/** Reads the annotation value (undefined: no annotation). Never throws. */
export function decodeState(raw: string | undefined): StateRead {
  if (raw === undefined) return { kind: 'none' };
  const corrupt = (problem: string): StateRead => ({ kind: 'corrupt', raw, problem });
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return corrupt('is not JSON');
  }
  if (!isRecord(v)) return corrupt('is not a JSON object');
  if (v.version !== VERSION)
    return corrupt(`has version ${JSON.stringify(v.version)}; this agent reads version ${VERSION}`);
  if (!PHASES.includes(v.phase as Phase)) return corrupt(`has an unknown phase ${JSON.stringify(v.phase)}`);
  if (typeof v.policy !== 'string') return corrupt('has no policy');
  if (!Number.isInteger(v.attempt) || (v.attempt as number) < 1) return corrupt('has no attempt count');
  if (typeof v.bootId !== 'string') return corrupt('has no bootId');
  if (typeof v.cordoned !== 'boolean') return corrupt('does not say whether the agent cordoned the node');
  if (v.grant !== undefined && (typeof v.grant !== 'string' || v.grant === ''))
    return corrupt('has a malformed grant epoch');
  if (v.blocked !== undefined && typeof v.blocked !== 'string') return corrupt('has a malformed blocked reason');
  const labels = labelRecord(v.labels);
  if (labels === undefined) return corrupt('has malformed labels');
  const times: Partial<Record<(typeof TIMES)[number][0], number>> = {};
  for (const [field, key] of TIMES) {
    if (v[key] === undefined) continue;
    const ms = typeof v[key] === 'string' ? Date.parse(v[key]) : NaN;
    if (Number.isNaN(ms)) return corrupt(`has a malformed time in ${key}`);
    times[field] = ms;
  }
  if (times.startedMs === undefined || times.sinceMs === undefined) return corrupt('has no start time');
  if (v.outcome !== undefined && !OUTCOMES.includes(v.outcome as Outcome)) return corrupt('has an unknown outcome');
  if (v.keepCordoned !== undefined && typeof v.keepCordoned !== 'boolean')
    return corrupt('has a malformed keepCordoned');
  if (v.reason !== undefined && typeof v.reason !== 'string') return corrupt('has a malformed reason');
  if (v.postHook !== undefined && typeof v.postHook !== 'string') return corrupt('has a malformed postHook');
  const silence = silenceRecord(v.silence);
  if (silence === null) return corrupt('has a malformed silence');
  const state: NodeState = {
    phase: v.phase as Phase,
    policy: v.policy,
    attempt: v.attempt as number,
    bootId: v.bootId,
    ...optional('grant', v.grant),
    ...optional('blocked', v.blocked),
    cordoned: v.cordoned,
    labels,
    startedMs: times.startedMs,
    sinceMs: times.sinceMs,
    ...optional('renewedMs', times.renewedMs),
    ...optional('drainDeadlineMs', times.drainDeadlineMs),
    ...optional('rebootAtMs', times.rebootAtMs),
    ...optional('retryAfterMs', times.retryAfterMs),
    ...optional('outcome', v.outcome as Outcome | undefined),
    ...optional('keepCordoned', v.keepCordoned),
    ...optional('reason', v.reason),
    ...optional('silence', silence),
    ...optional('postHook', v.postHook),
  };
  if (state.phase === 'draining' && state.drainDeadlineMs === undefined)
    return corrupt('is draining without a deadline');
  if (state.phase === 'rebooting' && state.rebootAtMs === undefined)
    return corrupt('is rebooting without a reboot time');
  if (state.phase === 'recovering' && state.outcome === undefined) return corrupt('is recovering without an outcome');
  if (state.phase === 'failed' && state.retryAfterMs === undefined) return corrupt('is failed without a retry time');
  if (GRANTED.includes(state.phase) && state.grant === undefined)
    return corrupt(`is ${state.phase} without a grant epoch`);
  return { kind: 'ok', state };
}

/** The last-reboot annotation value (JSON, RFC 3339 time). */
export function encodeLastReboot(r: LastReboot): string {
  return JSON.stringify({ at: new Date(r.atMs).toISOString(), bootId: r.bootId, sentinelSurvived: r.sentinelSurvived });
}

/** The last-reboot annotation; undefined when absent or malformed (the loop guard then has no record). */
export function decodeLastReboot(raw: string | undefined): LastReboot | undefined {
  if (raw === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (
      !isRecord(v) ||
      typeof v.at !== 'string' ||
      typeof v.bootId !== 'string' ||
      typeof v.sentinelSurvived !== 'boolean'
    )
      return undefined;
    const atMs = Date.parse(v.at);
    return Number.isNaN(atMs) ? undefined : { atMs, bootId: v.bootId, sentinelSurvived: v.sentinelSurvived };
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** undefined: absent; null: malformed. */
function silenceRecord(v: unknown): SilenceRecord | undefined | null {
  if (v === undefined) return undefined;
  if (!isRecord(v) || typeof v.id !== 'string' || v.id === '' || typeof v.ended !== 'boolean') return null;
  const startedMs = typeof v.startedAt === 'string' ? Date.parse(v.startedAt) : NaN;
  return Number.isNaN(startedMs) ? null : { id: v.id, startedMs, ended: v.ended };
}

function labelRecord(v: unknown): Record<string, string | null> | undefined {
  if (!isRecord(v)) return undefined;
  for (const value of Object.values(v)) if (value !== null && typeof value !== 'string') return undefined;
  return v as Record<string, string | null>;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
