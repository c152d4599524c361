// Why a policy's nodes do not all finish within the horizon (pure): the first cause that explains
// it, checked from the most to the least fundamental — a pause, held nodes, a drain that always
// fails, no window at all, blackouts, windows too short for the start gate, too small a budget
// (or fleet cap) for the windows there are. Capacities come from the same greedy lanes as the
// lower bound, so "budget too small" means no scheduler could do it, not only patchwindow.
import { formatInstant } from '../../policy/calendar.ts';
import { formatDuration } from '../../policy/duration.ts';
import type { PolicyModel } from '../../policy/model.ts';
import { blackoutInterval, compileSchedule, type CompiledSchedule } from '../../policy/windows.ts';
import type { WaitReason } from '../../agent/core/facts.ts';
import { capacityBy, startIntervals } from './bound.ts';

export type WarningReason =
  | 'paused'
  | 'held'
  | 'drain-timeout'
  | 'no-window'
  | 'blackout'
  | 'window-too-short'
  | 'budget-too-small'
  | 'fleet-cap'
  /** Not a shortfall: the policy's health gates are assumed to pass (health-note.ts). */
  | 'health-gates'
  | 'hooks'
  | 'other';

export interface ForecastWarning {
  /** Null for the fleet as a whole. */
  readonly policy: string | null;
  readonly reason: WarningReason;
  readonly message: string;
}

export interface UnfinishedPolicy {
  readonly policy: PolicyModel;
  readonly schedule: CompiledSchedule;
  readonly gateMs: number;
  /** Busy time per node; null when no attempt can succeed. */
  readonly busyMs: number | null;
  readonly drainMs: number;
  /** N of the policy's budget: nodes its members match, covered or not (as the coordinator counts them). */
  readonly budgetMembers: number;
  /** B: allowedUnavailable of the budget over `budgetMembers`. */
  readonly allowed: number;
  readonly pending: number;
  /** The core's last wait of each unfinished node (null: it was not waiting). */
  readonly waits: readonly ({ readonly reason: WaitReason; readonly detail: string } | null)[];
  /** Nodes unavailable at once: min(policy budget, fleet cap). */
  readonly lanes: number;
  readonly fleetCap: number | null;
  readonly fromMs: number;
  readonly untilMs: number;
}

/** Warnings for a policy whose nodes do not all finish by `untilMs`. */
export function diagnose(u: UnfinishedPolicy): ForecastWarning[] {
  const name = u.policy.name;
  const by = `within ${formatDuration(u.untilMs - u.fromMs)} (by ${formatInstant(u.untilMs)})`;
  const warn = (reason: WarningReason, count: number, why: string): ForecastWarning => ({
    policy: name,
    reason,
    message: `${count} of ${u.pending} node${u.pending === 1 ? '' : 's'} will not finish ${by}: ${why}`,
  });
  const out: ForecastWarning[] = [];
  const held = u.waits.filter((w) => w?.reason === 'hold');
  if (held.length > 0) out.push(warn('held', held.length, `held by an admin (${held[0]!.detail})`));
  const rest = u.waits.length - held.length;
  if (rest === 0) return out;
  const pause = u.policy.schedule.pause;
  if (pause.kind === 'indefinite') return [...out, warn('paused', rest, 'the policy is paused (paused: true)')];
  if (pause.kind === 'until' && pause.epochMs >= u.untilMs)
    return [...out, warn('paused', rest, `the policy is paused until ${formatInstant(pause.epochMs)}`)];
  if (u.busyMs === null) {
    const why = `a drain takes ${formatDuration(u.drainMs)}, longer than drain.timeout ${formatDuration(u.policy.drain.timeoutMs)}, so every attempt fails (drain.onFailure: ${u.policy.drain.onFailure}); raise drain.timeout`;
    return [...out, warn('drain-timeout', rest, why)];
  }
  const windows = u.schedule.effectiveWindows(u.fromMs, u.untilMs);
  const open = compileSchedule({ ...u.policy.schedule, blackouts: [], pause: { kind: 'none' } });
  if (windows.length === 0) {
    if (open.effectiveWindows(u.fromMs, u.untilMs).length === 0)
      return [...out, warn('no-window', rest, 'no window opens in that time')];
    return [...out, warn('blackout', rest, `blackouts cover every window in that time (${blackoutsBetween(u)})`)];
  }
  const longestMs = Math.max(...windows.map((w) => w.endMs - w.startMs));
  if (longestMs < u.gateMs) {
    const why = `window too short: the longest is ${formatDuration(longestMs)}, but a start needs drain.timeout + reboot.expectedDuration = ${formatDuration(u.gateMs)} of window left`;
    return [...out, warn('window-too-short', rest, why)];
  }
  const lanes = { fromMs: u.fromMs, busyMs: u.busyMs, lanes: u.lanes };
  const capacity = capacityBy(
    { ...lanes, intervals: startIntervals(u.schedule, u.gateMs, u.fromMs, u.untilMs) },
    u.untilMs,
  );
  if (capacity < u.pending) {
    const openCapacity = capacityBy(
      { ...lanes, intervals: startIntervals(open, u.gateMs, u.fromMs, u.untilMs) },
      u.untilMs,
    );
    if (openCapacity >= u.pending) {
      return [
        ...out,
        warn(
          'blackout',
          rest,
          `blackouts (${blackoutsBetween(u)}) take the windows they would need; the rest fit ${capacity}`,
        ),
      ];
    }
    const perLane = capacity / u.lanes;
    const enough = perLane > 0 ? `; ${Math.ceil(u.pending / perLane)} at once would fit them, or wider windows` : '';
    const budget = u.allowed;
    if (u.fleetCap !== null && u.fleetCap < budget) {
      return [
        ...out,
        warn(
          'fleet-cap',
          rest,
          `the fleet cap allows ${u.fleetCap} node(s) unavailable at once (the policy's budget ${budget}); the windows fit at most ${capacity}${enough}`,
        ),
      ];
    }
    return [
      ...out,
      warn(
        'budget-too-small',
        rest,
        `budget too small: maxUnavailable allows ${budget} of ${u.budgetMembers} node(s) at once and the windows fit at most ${capacity}${enough}`,
      ),
    ];
  }
  if (u.fleetCap !== null) {
    return [
      ...out,
      warn(
        'fleet-cap',
        rest,
        `the fleet cap (${u.fleetCap} node(s) at once) is shared with other policies whose nodes were granted first`,
      ),
    ];
  }
  const last = u.waits.find((w) => w !== null && w.reason !== 'hold');
  return [
    ...out,
    warn(
      'other',
      rest,
      last ? `${last.reason}: ${last.detail}` : 'the agents were still at work when the horizon ended',
    ),
  ];
}

/** The blackouts that overlap the horizon, as `reason (start → end)`. */
function blackoutsBetween(u: UnfinishedPolicy): string {
  const { blackouts, timeZone } = u.policy.schedule;
  const text = blackouts.flatMap((b) => {
    const i = blackoutInterval(b, timeZone);
    if (i.endMs <= u.fromMs || i.startMs >= u.untilMs) return [];
    return [`${b.reason || `${b.source} blackout`} ${formatInstant(i.startMs)} → ${formatInstant(i.endMs)}`];
  });
  return text.join('; ');
}
