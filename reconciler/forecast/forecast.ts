// The forecast of a rollout (pure): which policy each node belongs to, the simulation of every
// agent with the agent's own decision core, and per policy when the first and the last node
// finish, the windows used, nodes per window, the lower bound and, for policies that do not finish
// within the horizon, why. `fromMs` is a parameter; nothing here reads a clock or a file.
import { neededMs, scheduleOf } from '../../agent/core/decide-common.ts';
import { allowedUnavailable } from '../../policy/budget.ts';
import type { Interval, PolicyModel } from '../../policy/model.ts';
import { START_HORIZON_MS } from '../../policy/windows.ts';
import type { CompiledFleet, CompiledPolicy } from '../render/compile.ts';
import { computeCoverage } from '../plan/coverage.ts';
import type { Taint } from '../plan/nodes.ts';
import { renderObjects } from '../render/render.ts';
import { lowerBound, makespanLowerBound, startIntervals, type StartInterval } from './bound.ts';
import { healthGateWarnings } from './health-note.ts';
import { diagnose, type ForecastWarning } from './diagnose.ts';
import { durationsOf, type DurationOverrides } from './durations.ts';
import { guardBoundMs, guardNotes } from './guards.ts';
import { simulate, type Decide, type NodeOutcome } from './simulate.ts';
import { countMembers, type SimNodeSpec } from './world.ts';

export type { ForecastWarning, WarningReason } from './diagnose.ts';

export interface ForecastInput {
  readonly fleet: CompiledFleet;
  readonly nodes: readonly {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly taints?: readonly Taint[];
  }[];
  /** Names of the nodes that need a reboot; undefined: every node. */
  readonly pending?: ReadonlySet<string>;
  readonly fromMs: number;
  /** How long a drain takes in every policy; absent: each policy's drain.timeout (durations.ts). */
  readonly drainMs?: number;
  /** From the reboot command until Ready in every policy; absent: each policy's reboot.expectedDuration. */
  readonly rebootMs?: number;
  /** Nodes not done this long after fromMs are reported, and the simulation stops there. */
  readonly horizonMs: number;
  /** Replaces the agent's decision function (tests). */
  readonly decide?: Decide;
}

/** One effective window in which nodes of a policy started. */
export interface WindowUse {
  readonly startMs: number;
  readonly endMs: number;
  readonly started: number;
}

export interface PolicyForecast {
  readonly name: string;
  readonly timeZone: string;
  /** Nodes of the policy. */
  readonly members: number;
  /** Of them, nodes that need a reboot. */
  readonly nodes: number;
  /** B: nodes the policy's budget allows unavailable at once. */
  readonly allowed: number;
  /** Nodes that can be unavailable at once: B, or the fleet cap when smaller. */
  readonly lanes: number;
  /** The drain and reboot durations simulated for this policy's nodes. */
  readonly drainMs: number;
  readonly rebootMs: number;
  /** The window open at fromMs, or the next one; null when none within START_HORIZON_MS. */
  readonly nextWindow: Interval | null;
  readonly firstFinishMs: number | null;
  /** When the last node finished; null when not every node did within the horizon. */
  readonly finishMs: number | null;
  /** The earliest any scheduler could finish them; null when impossible within START_HORIZON_MS. */
  readonly lowerBoundMs: number | null;
  readonly unfinished: number;
  readonly windows: readonly WindowUse[];
  readonly warnings: readonly ForecastWarning[];
  /** What the forecast honoured and assumed of the policy's guard rails (rate limit, canary). */
  readonly notes: readonly string[];
}

export interface Forecast {
  readonly fleet: string;
  readonly fromMs: number;
  readonly untilMs: number;
  /** The --drain and --reboot overrides; null: each policy's own. */
  readonly drainMs: number | null;
  readonly rebootMs: number | null;
  /** The fleet cap as a node count; null without a cap. */
  readonly fleetCap: number | null;
  readonly policies: readonly PolicyForecast[];
  /** Nodes no policy's DaemonSet runs on: nobody reboots them. */
  readonly uncovered: readonly string[];
  /** From fromMs until the last node finished; null when some did not within the horizon. */
  readonly makespanMs: number | null;
  /** The lower bound of the makespan (also under the fleet cap); null when impossible. */
  readonly lowerBoundMakespanMs: number | null;
  readonly warnings: readonly ForecastWarning[];
  /** Calls of the agents' decision function. */
  readonly decisions: number;
  /** Calls of the coordinator's grant decision. */
  readonly grantDecisions: number;
}

/** Busy time of a node (grant held): reboot delay, drain, reboot; null when every drain fails. */
function busyMsOf(policy: PolicyModel, drainMs: number, rebootMs: number): number | null {
  const { drain, reboot } = policy;
  if (drainMs <= drain.timeoutMs) return reboot.delayMs + drainMs + rebootMs;
  return drain.onFailure === 'reboot' ? reboot.delayMs + drain.timeoutMs + rebootMs : null;
}

function overrides(input: ForecastInput): DurationOverrides {
  return {
    ...(input.drainMs === undefined ? {} : { drainMs: input.drainMs }),
    ...(input.rebootMs === undefined ? {} : { rebootMs: input.rebootMs }),
  };
}

/** Simulates the rollout and sums it up per policy. */
export function forecast(input: ForecastInput): Forecast {
  const { fleet, fromMs } = input;
  const untilMs = fromMs + input.horizonMs;
  const policies = fleet.policies.filter((p) => !p.empty);
  // Which agent runs where, decided as `coverage` does: the rendered DaemonSets' affinity and
  // tolerations against each node's labels and taints.
  const objects = renderObjects(fleet).map((r) => r.object);
  const coverage = computeCoverage(
    objects,
    input.nodes.map((n) => ({ name: n.name, labels: n.labels, taints: n.taints ?? [] })),
  );
  const owner = new Map(
    coverage.nodes.map((c) => [c.node, c.daemonSets.length === 1 ? c.daemonSets[0]!.policy : null]),
  );
  const configs = new Map(policies.map((p) => [p.policy.name, p.config]));
  const specs: SimNodeSpec[] = input.nodes.map((n) => {
    const config = configs.get(owner.get(n.name) ?? '') ?? null;
    return { name: n.name, labels: n.labels, config, pending: input.pending?.has(n.name) ?? true };
  });
  const fleetCap = fleet.fleet.budget === null ? null : allowedUnavailable(fleet.fleet.budget, specs.length);
  const result = simulate({
    nodes: specs,
    fleetBudget: fleet.fleet.budget,
    fromMs,
    untilMs,
    durations: overrides(input),
    ...(input.decide ? { decide: input.decide } : {}),
  });
  const outcomes = Map.groupBy(result.nodes, (o) => o.policy);
  const summaries = policies.map((p) =>
    summarize(p, outcomes.get(p.policy.name) ?? [], { ...input, untilMs, fleetCap }),
  );
  const all = summaries.filter((s) => s.summary.nodes > 0);
  const finished = all.every((s) => s.summary.finishMs !== null);
  const lastMs = Math.max(fromMs, ...all.map((s) => s.summary.finishMs ?? fromMs));
  const uncovered = result.nodes.filter((o) => o.policy === null).map((o) => o.name);
  const warnings: ForecastWarning[] =
    uncovered.length === 0
      ? []
      : [
          {
            policy: null,
            reason: 'other',
            message: `${uncovered.length} node(s) have no agent (see patchwindow coverage) and are not rebooted: ${uncovered.slice(0, 10).join(', ')}${uncovered.length > 10 ? ', ...' : ''}`,
          },
        ];
  return {
    fleet: fleet.fleet.name,
    fromMs,
    untilMs,
    drainMs: input.drainMs ?? null,
    rebootMs: input.rebootMs ?? null,
    fleetCap,
    policies: summaries.map((s) => s.summary),
    uncovered,
    makespanMs: finished ? lastMs - fromMs : null,
    lowerBoundMakespanMs: makespanBound(all, fleetCap, fromMs),
    warnings,
    decisions: result.decisions,
    grantDecisions: result.grantDecisions,
  };
}

interface Summarized {
  readonly summary: PolicyForecast;
  readonly intervals: readonly StartInterval[];
  readonly busyMs: number | null;
}

function summarize(
  p: CompiledPolicy,
  outcomes: readonly NodeOutcome[],
  ctx: ForecastInput & { untilMs: number; fleetCap: number | null },
): Summarized {
  const schedule = scheduleOf(p.config);
  const gateMs = neededMs(p.config);
  const pending = outcomes.filter((o) => o.pending);
  // B as the agents compute it: over every node the policy's members match, not only covered ones.
  const budgetMembers = countMembers(p.config, ctx.nodes);
  const allowed = allowedUnavailable(p.policy.budget, budgetMembers);
  const lanes = Math.min(allowed, ctx.fleetCap ?? Infinity);
  const { drainMs, rebootMs } = durationsOf(p.policy, overrides(ctx));
  const busyMs = busyMsOf(p.policy, drainMs, rebootMs);
  const intervals = startIntervals(schedule, gateMs, ctx.fromMs, ctx.fromMs + START_HORIZON_MS);
  const finishes = pending.map((o) => o.finishedMs).filter((ms) => ms !== null);
  const unfinished = pending.filter((o) => o.finishedMs === null);
  const uses = new Map<number, { startMs: number; endMs: number; started: number }>();
  for (const startMs of pending.flatMap((o) => o.startsMs)) {
    // The core starts a node only inside a window (the start gate): anything else is a bug.
    const w = schedule.windowContaining(startMs);
    if (w === undefined)
      throw new Error(
        `forecast: a node of policy ${p.policy.name} started at ${new Date(startMs).toISOString()}, outside every window of its schedule`,
      );
    const use =
      uses.get(w.startMs) ?? uses.set(w.startMs, { startMs: w.startMs, endMs: w.endMs, started: 0 }).get(w.startMs)!;
    use.started++;
  }
  const warnings =
    unfinished.length === 0
      ? []
      : diagnose({
          policy: p.policy,
          schedule,
          gateMs,
          busyMs,
          drainMs,
          budgetMembers,
          allowed,
          pending: pending.length,
          waits: unfinished.map((o) => o.waiting),
          lanes,
          fleetCap: ctx.fleetCap,
          fromMs: ctx.fromMs,
          untilMs: ctx.untilMs,
        });
  const summary: PolicyForecast = {
    name: p.policy.name,
    timeZone: p.policy.schedule.timeZone,
    members: outcomes.length,
    nodes: pending.length,
    allowed,
    lanes,
    drainMs,
    rebootMs,
    nextWindow: schedule.nextWindows(ctx.fromMs, 1, START_HORIZON_MS)[0] ?? null,
    firstFinishMs: finishes.length > 0 ? Math.min(...finishes) : null,
    finishMs: pending.length > 0 && unfinished.length === 0 ? Math.max(...finishes) : null,
    lowerBoundMs:
      busyMs === null
        ? null
        : maxOrNull(
            lowerBound({ intervals, fromMs: ctx.fromMs, busyMs, lanes, nodes: pending.length }),
            guardBoundMs(p.policy, ctx.fromMs, pending.length, busyMs),
          ),
    unfinished: unfinished.length,
    windows: [...uses.values()].sort((a, b) => a.startMs - b.startMs),
    warnings: [...warnings, ...healthGateWarnings(p.policy)],
    notes: guardNotes(p.policy),
  };
  return { summary, intervals, busyMs };
}

/** The later of two bounds; null (impossible within the horizon) wins. */
function maxOrNull(a: number | null, b: number | null): number | null {
  return a === null ? null : Math.max(a, b ?? a);
}

/** The makespan bound: every policy's own bound and, under a fleet cap, the sets that share it. */
function makespanBound(all: readonly Summarized[], fleetCap: number | null, fromMs: number): number | null {
  if (all.some((s) => s.busyMs === null)) return null;
  const loads = all.map((s) => ({
    intervals: s.intervals,
    busyMs: s.busyMs!,
    allowed: s.summary.allowed,
    nodes: s.summary.nodes,
  }));
  const latest = makespanLowerBound(loads, fleetCap, fromMs);
  // A policy's own bound may be later (its guard rails): the makespan includes every policy.
  const own = all.map((s) => s.summary.lowerBoundMs ?? fromMs);
  return latest === null ? null : Math.max(latest, ...own) - fromMs;
}
