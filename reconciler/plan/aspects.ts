// What a policy means, one aspect at a time, for `plan` to put before and after side by side. An
// aspect describes ONE side (a compiled policy in its fleet, at `now`, maybe with the cluster's
// nodes) as lines for people and data for tools; plan calls it on base and head and reports the
// aspect when the data differ. This is the extension point for further comparisons: the forecast
// (when each node would reboot, before vs after) is one more PolicyAspect added to the list given
// to `buildPlan`, with no change to plan or its formatters.
import { Temporal } from 'temporal-polyfill';
import { allowedUnavailable, formatBudget } from '../../policy/budget.ts';
import { formatInstant, formatZoned, weekdayName } from '../../policy/calendar.ts';
import { formatDuration } from '../../policy/duration.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { Membership, Pause, Weekday } from '../../policy/model.ts';
import { nextWindows, START_HORIZON_MS } from '../../policy/windows.ts';
import type { PolicyAspect } from './aspect.ts';
import { forecastAspect } from './forecast-aspect.ts';
import { START_HORIZON_TEXT } from '../forecast/defaults.ts';

/** How many upcoming effective windows plan compares. */
const PLAN_WINDOW_COUNT = 3;

function weekday(epochMs: number, zone: string): string {
  return weekdayName(Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone).dayOfWeek as Weekday);
}

export const windowsAspect: PolicyAspect = {
  id: 'windows',
  title: `next ${PLAN_WINDOW_COUNT} windows`,
  describe({ policy: { policy }, nowMs }) {
    const zone = policy.schedule.timeZone;
    const windows = nextWindows(policy.schedule, nowMs, PLAN_WINDOW_COUNT, START_HORIZON_MS);
    return {
      lines:
        windows.length === 0
          ? [`none within ${START_HORIZON_TEXT}`]
          : windows.map(
              (w) =>
                `${weekday(w.startMs, zone)} ${formatZoned(w.startMs, zone)} → ${weekday(w.endMs, zone)} ${formatZoned(w.endMs, zone)} (${formatDuration(w.endMs - w.startMs)})`,
            ),
      data: windows.map((w) => ({ start: formatInstant(w.startMs), end: formatInstant(w.endMs) })),
    };
  },
};

export const budgetAspect: PolicyAspect = {
  id: 'budget',
  title: 'maxUnavailable',
  describe: ({ policy, nodes }) => {
    const budget = policy.policy.budget;
    if (!nodes) return { lines: [formatBudget(budget)], data: budget };
    // With the cluster's nodes, the budget in nodes: what an operator plans maintenance by.
    const members = nodes.filter((n) => nodeSelectorTermsMatch(policy.terms, n.labels)).length;
    const allowed = members === 0 ? 0 : allowedUnavailable(budget, members);
    return {
      lines: [`${formatBudget(budget)} (${allowed} of ${members} node${members === 1 ? '' : 's'} at once)`],
      data: { budget, members, allowed },
    };
  },
};

function pauseText(pause: Pause): string {
  if (pause.kind === 'none') return 'not paused';
  if (pause.kind === 'indefinite') return 'paused until further notice';
  return `paused until ${formatInstant(pause.epochMs)}`;
}

export const pauseAspect: PolicyAspect = {
  id: 'pause',
  title: 'pause',
  describe: ({ policy: { policy }, nowMs }) => {
    const pause = policy.schedule.pause;
    // A pause that has ended means the same as none.
    const effective: Pause = pause.kind === 'until' && pause.epochMs <= nowMs ? { kind: 'none' } : pause;
    return { lines: [pauseText(effective)], data: effective };
  },
};

function membershipText(m: Membership): string {
  if (m.kind === 'pools') return `pools ${m.pools.join(', ')}`;
  if (m.kind === 'default')
    return m.pools.length > 0
      ? `pools ${m.pools.join(', ')} and every unclaimed node (default policy)`
      : 'every unclaimed node (default policy)';
  return `nodeSelector ${JSON.stringify(m.selector)}, priority ${m.priority}`;
}

export const membershipAspect: PolicyAspect = {
  id: 'membership',
  title: 'nodes',
  describe: ({ policy }) => ({
    lines: [
      membershipText(policy.policy.membership),
      `node affinity: ${policy.terms.length} term${policy.terms.length === 1 ? '' : 's'}${policy.empty ? ' (matches no node)' : ''}`,
    ],
    data: { membership: policy.policy.membership, terms: policy.terms },
  }),
};

/** The aspects plan compares by default, in report order. */
export const DEFAULT_ASPECTS: readonly PolicyAspect[] = [
  membershipAspect,
  windowsAspect,
  budgetAspect,
  pauseAspect,
  forecastAspect,
];
