// `patchwindow report` (pure): patch compliance from what the cluster holds — per policy and node,
// since when a reboot is pending, whether that is longer than the policy's maxPendingDays, the
// effective windows that ended since then without the reboot and why (the agents' and the
// coordinator's Events that overlap each window), the last reboot, and the reboots and failures of
// the period. Built on computeStatus, so "why it is not moving now" has one implementation.
//
// Events are the only history Kubernetes keeps, and only for the API server's --event-ttl (1 hour by
// default): a missed window with no Event left says so instead of guessing a reason.
import { neededMs, scheduleOf } from '../../agent/core/decide-common.ts';
import { decodeLastReboot } from '../../policy/state.ts';
import { LAST_REBOOT_ANNOTATION } from '../../policy/keys.ts';
import { compareText } from '../../policy/diagnostics.ts';
import { formatDuration } from '../../policy/duration.ts';
import type { AgentConfig, Interval } from '../../policy/model.ts';
import { computeStatus, type NodePhase, type StatusInput } from './status.ts';

/** A patchwindow Event on a Node (its first and last occurrence: the API server aggregates repeats). */
export interface NodeEvent {
  readonly node: string;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly count: number;
}

export interface ReportInput extends StatusInput {
  readonly events: readonly NodeEvent[];
  /** Start of the period whose reboots and failures are listed. */
  readonly fromMs: number;
}

/** An effective window that ended while the node needed its reboot, and why it did not reboot in it. */
export interface MissedWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly why: readonly string[];
}

export interface ReportNode {
  readonly node: string;
  readonly fleet: string;
  readonly policy: string;
  readonly pool: string | null;
  readonly phase: NodePhase;
  /** Null: no reboot needed; NaN: needed, since when unknown. */
  readonly pendingSinceMs: number | null;
  readonly pendingFor: string | null;
  /** Pending longer than the policy's maxPendingDays. */
  readonly overdue: boolean;
  readonly missed: readonly MissedWindow[];
  /** Why it is not moving now (status's blocker column). */
  readonly now: string | null;
  readonly lastReboot: {
    readonly atMs: number;
    /** From the attempt's first Event (RebootGranted, Cordoning) to the reboot's end; null when no Event is left. */
    readonly tookMs: number | null;
    readonly loop: boolean;
  } | null;
  /** Warning Events of the period (drain failed, reboot failed, reboot loop, grant lost, ...). */
  readonly failures: readonly { readonly atMs: number; readonly reason: string; readonly message: string }[];
}

export interface ReportPolicy {
  readonly fleet: string;
  readonly policy: string;
  readonly timeZone: string;
  readonly nodes: number;
  readonly pending: number;
  readonly overdue: number;
  readonly maxPendingDays: number | null;
  readonly rebooted: number;
  readonly failures: number;
  readonly missedWindows: number;
}

export interface Report {
  readonly fromMs: number;
  readonly toMs: number;
  readonly policies: readonly ReportPolicy[];
  readonly nodes: readonly ReportNode[];
}

const DAY_MS = 86_400_000;
/** How far back missed windows are listed: a node pending longer has its older windows counted out. */
export const MISSED_LOOKBACK_MS = 400 * DAY_MS;
/** Events that start an attempt; the time from the latest before a reboot to the reboot is how long it took. */
const ATTEMPT_START = new Set(['RebootGranted', 'Cordoning', 'AlreadyCordoned']);
/** An attempt longer than this is not the one the Event started (the Event is of an older attempt). */
const MAX_ATTEMPT_MS = DAY_MS;
const MAX_REASONS = 3;
export const NO_EVENT_LEFT =
  'no Event left for this window (the API server keeps Events for its --event-ttl, 1 hour by default)';

function missedWindows(
  config: AgentConfig,
  sinceMs: number,
  nowMs: number,
  events: readonly NodeEvent[],
): MissedWindow[] {
  const gateMs = neededMs(config);
  const windows = scheduleOf(config).effectiveWindows(Math.max(sinceMs, nowMs - MISSED_LOOKBACK_MS), nowMs);
  return windows
    .filter((w: Interval) => w.endMs <= nowMs && w.endMs > sinceMs)
    .map((w) => {
      const overlapping = events
        .filter((e) => e.firstMs <= w.endMs && e.lastMs >= w.startMs && e.lastMs >= sinceMs)
        .sort((a, b) => b.lastMs - a.lastMs);
      const why = [...new Set(overlapping.map((e) => `${e.reason}: ${e.message}`))].slice(0, MAX_REASONS);
      if (sinceMs > w.endMs - gateMs)
        why.unshift(
          `the reboot became needed too late to start in this window (a start needs ${formatDuration(gateMs)} before its end: drain.timeout + reboot.expectedDuration)`,
        );
      return { startMs: w.startMs, endMs: w.endMs, why: why.length > 0 ? why : [NO_EVENT_LEFT] };
    });
}

function lastReboot(raw: string | undefined, events: readonly NodeEvent[]): ReportNode['lastReboot'] {
  const last = decodeLastReboot(raw);
  if (!last) return null;
  const start = events
    .filter((e) => ATTEMPT_START.has(e.reason) && e.firstMs <= last.atMs && last.atMs - e.firstMs <= MAX_ATTEMPT_MS)
    .sort((a, b) => b.firstMs - a.firstMs)[0];
  return { atMs: last.atMs, tookMs: start ? last.atMs - start.firstMs : null, loop: last.sentinelSurvived };
}

export function computeReport(input: ReportInput): Report {
  const { nowMs, fromMs } = input;
  const status = computeStatus(input);
  const configOf = new Map(input.configs.map((c) => [`${c.fleet}/${c.policy.name}`, c]));
  const byName = new Map(input.nodes.map((n) => [n.name, n]));
  const eventsOf = Map.groupBy(input.events, (e) => e.node);
  const nodes: ReportNode[] = status.nodes.flatMap((row) => {
    const config = configOf.get(`${row.fleet}/${row.policies[0]}`);
    if (!config) return [];
    const events = eventsOf.get(row.node) ?? [];
    const since = row.rebootRequiredSinceMs;
    const maxMs = config.policy.maxPendingMs;
    const known = since !== null && !Number.isNaN(since);
    const reboot = lastReboot(byName.get(row.node)?.annotations[LAST_REBOOT_ANNOTATION], events);
    return [
      {
        node: row.node,
        fleet: config.fleet,
        policy: config.policy.name,
        pool: row.pool,
        phase: row.phase,
        pendingSinceMs: since,
        pendingFor: row.pendingFor,
        overdue: known && maxMs !== null && nowMs - since > maxMs,
        missed: known ? missedWindows(config, since, nowMs, events) : [],
        now: row.blocker,
        lastReboot: reboot,
        failures: events
          .filter((e) => e.type === 'Warning' && e.lastMs >= fromMs && e.lastMs <= nowMs)
          .sort((a, b) => a.lastMs - b.lastMs)
          .map((e) => ({ atMs: e.lastMs, reason: e.reason, message: e.message })),
      },
    ];
  });
  const policies = [...configOf.values()]
    .sort((a, b) => compareText(a.fleet, b.fleet) || compareText(a.policy.name, b.policy.name))
    .map((c): ReportPolicy => {
      const mine = nodes.filter((n) => n.fleet === c.fleet && n.policy === c.policy.name);
      return {
        fleet: c.fleet,
        policy: c.policy.name,
        timeZone: c.policy.schedule.timeZone,
        nodes: mine.length,
        pending: mine.filter((n) => n.pendingSinceMs !== null).length,
        overdue: mine.filter((n) => n.overdue).length,
        maxPendingDays: c.policy.maxPendingMs === null ? null : c.policy.maxPendingMs / DAY_MS,
        rebooted: mine.filter((n) => n.lastReboot !== null && n.lastReboot.atMs >= fromMs).length,
        failures: mine.reduce((sum, n) => sum + n.failures.length, 0),
        missedWindows: mine.reduce((sum, n) => sum + n.missed.length, 0),
      };
    });
  return { fromMs, toMs: nowMs, policies, nodes };
}
