// `patchwindow status` (pure): from what the cluster shows (the AgentConfigs the reconciler or render
// put in the agents' namespace, the Nodes with what the agents wrote on them, the slot Leases and the
// agents' latest waiting Events), one row per node and one per budget group. Membership is the
// rendered node affinity (AgentConfig.members); node state is the agent's annotation (policy/state.ts).
import { describeBlockReason, holdReason } from '../../agent/core/blockers.ts';
import { slotIsStale } from '../../agent/core/budget.ts';
import { FLEET_GROUP } from '../../policy/budget.ts';
import {
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import type { Slot } from '../../kube/ports.ts';
import { decodeLastReboot, decodeState, type Phase } from '../../policy/state.ts';
import { allowedUnavailable, formatBudget } from '../../policy/budget.ts';
import { formatZoned } from '../../policy/calendar.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { AgentConfig, Budget, Interval } from '../../policy/model.ts';
import { compileSchedule, START_HORIZON_MS } from '../../policy/windows.ts';
import { compareText } from '../../policy/diagnostics.ts';
import type { CoverageFinding } from '../plan/coverage-check.ts';
import {
  pauseView,
  pendingFor,
  pendingWhy,
  reconcilerRows,
  statusFindings,
  windowWithPause,
  type ReconcilerRecord,
  type ReconcilerRow,
} from './status-why.ts';

export interface StatusNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly ready: boolean;
  readonly unschedulable: boolean;
}

/** The latest Event an agent recorded while waiting (RebootBlocked, WaitingForSlot, ...). */
export interface WaitEvent {
  readonly reason: string;
  readonly message: string;
  readonly atMs: number;
}

export interface StatusInput {
  readonly configs: readonly AgentConfig[];
  readonly nodes: readonly StatusNode[];
  /** Slot Leases, by the fleet they belong to. */
  readonly slots: readonly { readonly fleet: string; readonly slot: Slot }[];
  readonly waits: ReadonlyMap<string, WaitEvent>;
  /** The reconcilers' status ConfigMaps found (none in CI mode). */
  readonly reconcilers?: readonly ReconcilerRecord[];
  readonly nowMs: number;
}

/** idle: nothing to do; pending: needs a reboot, none under way; unknown: unreadable state annotation. */
export type NodePhase = Phase | 'idle' | 'pending' | 'unknown';

export interface NodeRow {
  readonly node: string;
  readonly fleet: string | null;
  /** Policies whose DaemonSet runs here (more than one is a conflict `coverage` reports). */
  readonly policies: readonly string[];
  readonly pool: string | null;
  /** When the agent saw the reboot was needed; null when it is not needed. NaN: needed, time unknown. */
  readonly rebootRequiredSinceMs: number | null;
  readonly phase: NodePhase;
  /** Live slot Leases it holds, as group/index. */
  readonly slots: readonly string[];
  readonly blocker: string | null;
  /** The policy's current or next effective window (null: none within the horizon, or no policy). */
  readonly window: Interval | null;
  readonly timeZone: string | null;
  readonly unavailable: boolean;
  /** How long the reboot has been pending, e.g. `3d4h`; null when not needed or unknown. */
  readonly pendingFor: string | null;
}

export interface GroupRow {
  readonly fleet: string;
  /** A policy name, or `fleet` for the fleet-wide cap. */
  readonly group: string;
  readonly nodes: number;
  readonly budget: string;
  readonly allowed: number;
  readonly unavailable: number;
  readonly pending: number;
  readonly window: Interval | null;
  readonly timeZone: string | null;
  /** A paused policy: until when, and the window it would open without the pause; null when not paused. */
  readonly paused: string | null;
}

export interface Status {
  readonly nodes: readonly NodeRow[];
  readonly groups: readonly GroupRow[];
  readonly reconcilers: readonly ReconcilerRow[];
  /** Policies, pools or pool labels that match no node (coverage-check.ts). */
  readonly findings: readonly CoverageFinding[];
}

function phaseOf(node: StatusNode): {
  phase: NodePhase;
  problem?: string;
  failed?: { reason?: string; retryAfterMs?: number };
} {
  const read = decodeState(node.annotations[STATE_ANNOTATION]);
  if (read.kind === 'corrupt') return { phase: 'unknown', problem: read.problem };
  if (read.kind === 'ok') {
    const s = read.state;
    return s.phase === 'failed'
      ? {
          phase: 'failed',
          failed: {
            ...(s.reason ? { reason: s.reason } : {}),
            ...(s.retryAfterMs ? { retryAfterMs: s.retryAfterMs } : {}),
          },
        }
      : { phase: s.phase };
  }
  return { phase: node.labels[REBOOT_REQUIRED_LABEL] === 'true' ? 'pending' : 'idle' };
}

function blockerOf(
  node: StatusNode,
  p: ReturnType<typeof phaseOf>,
  wait: WaitEvent | undefined,
  sinceMs: number | null,
): string | null {
  const hold = holdReason(node);
  if (hold) return describeBlockReason(hold);
  if (p.problem) return `state annotation ${STATE_ANNOTATION} ${p.problem}`;
  if (p.failed)
    return `last attempt failed${p.failed.reason ? `: ${p.failed.reason}` : ''}${p.failed.retryAfterMs ? `; retries after ${formatZoned(p.failed.retryAfterMs, 'UTC')}` : ''}`;
  if (decodeLastReboot(node.annotations[LAST_REBOOT_ANNOTATION])?.sentinelSurvived && p.phase === 'pending')
    return 'reboot loop: the sentinel survived the last reboot';
  // A waiting Event older than the current need tells of an earlier wait.
  if (p.phase === 'pending' && wait && (sinceMs === null || Number.isNaN(sinceMs) || wait.atMs >= sinceMs))
    return `${wait.reason}: ${wait.message}`;
  return null;
}

function nextWindow(
  config: AgentConfig | undefined,
  nowMs: number,
  cache: Map<AgentConfig, Interval | null>,
): Interval | null {
  if (!config) return null;
  if (!cache.has(config))
    cache.set(config, compileSchedule(config.policy.schedule).nextWindows(nowMs, 1, START_HORIZON_MS)[0] ?? null);
  return cache.get(config)!;
}

function group(
  fleet: string,
  name: string,
  budget: Budget,
  members: readonly NodeRow[],
  live: ReadonlySet<string>,
  config: AgentConfig | undefined,
  window: Interval | null,
  nowMs: number,
): GroupRow {
  return {
    fleet,
    group: name,
    nodes: members.length,
    budget: formatBudget(budget),
    allowed: allowedUnavailable(budget, members.length),
    unavailable: members.filter((m) => m.unavailable || live.has(m.node)).length,
    pending: members.filter((m) => m.phase === 'pending').length,
    window,
    timeZone: config?.policy.schedule.timeZone ?? null,
    paused: config ? windowWithPause(pauseView(config, nowMs), window, config.policy.schedule.timeZone, nowMs) : null,
  };
}

export function computeStatus(input: StatusInput): Status {
  const { nowMs } = input;
  const names = new Set(input.nodes.map((n) => n.name));
  const live = input.slots.filter((s) => !slotIsStale(s.slot, names, nowMs));
  const windows = new Map<AgentConfig, Interval | null>();
  const configs = [...input.configs].sort(
    (a, b) => compareText(a.fleet, b.fleet) || compareText(a.policy.name, b.policy.name),
  );
  const nodes: NodeRow[] = [...input.nodes]
    .sort((a, b) => compareText(a.name, b.name))
    .map((node) => {
      const mine = configs.filter((c) => nodeSelectorTermsMatch(c.members, node.labels));
      const first = mine[0];
      const required = node.labels[REBOOT_REQUIRED_LABEL] === 'true';
      const since = required ? Date.parse(node.annotations[REBOOT_REQUIRED_SINCE_ANNOTATION] ?? '') : null;
      const p = phaseOf(node);
      const slots = live
        .filter((s) => s.slot.holder === node.name && (first === undefined || s.fleet === first.fleet))
        .map((s) => `${s.slot.group}/${s.slot.index}`)
        .sort(compareText);
      const window = nextWindow(first, nowMs, windows);
      const blocker = blockerOf(node, p, input.waits.get(node.name), since);
      return {
        node: node.name,
        fleet: first?.fleet ?? null,
        policies: mine.map((c) => c.policy.name),
        pool: first ? (node.labels[first.poolLabel] ?? null) : null,
        rebootRequiredSinceMs: since,
        phase: p.phase,
        slots,
        blocker: blocker ?? (p.phase === 'pending' ? pendingWhy(first, window, nowMs) : null),
        window,
        timeZone: first?.policy.schedule.timeZone ?? null,
        unavailable: !node.ready || node.unschedulable || slots.length > 0,
        pendingFor: pendingFor(since, nowMs),
      };
    });
  const groups: GroupRow[] = [];
  for (const fleet of [...new Set(configs.map((c) => c.fleet))]) {
    const ofFleet = configs.filter((c) => c.fleet === fleet);
    const holders = (g: string) =>
      new Set(live.filter((s) => s.fleet === fleet && s.slot.group === g).map((s) => s.slot.holder));
    for (const c of ofFleet) {
      const members = nodes.filter((n) => n.fleet === fleet && n.policies[0] === c.policy.name);
      groups.push(
        group(
          fleet,
          c.policy.name,
          c.policy.budget,
          members,
          holders(c.policy.name),
          c,
          nextWindow(c, nowMs, windows),
          nowMs,
        ),
      );
    }
    const cap = ofFleet[0]?.fleetBudget;
    // The fleet-wide cap counts every node of the cluster, as the agents do.
    if (cap) groups.push(group(fleet, FLEET_GROUP, cap, nodes, holders(FLEET_GROUP), undefined, null, nowMs));
  }
  return {
    nodes,
    groups,
    reconcilers: reconcilerRows(input.reconcilers ?? []),
    findings: statusFindings(configs, input.nodes, nodes),
  };
}
