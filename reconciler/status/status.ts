// `patchwindow status` (pure): from what the cluster shows (the AgentConfigs the reconciler or render
// put in the agents' namespace, the Nodes with what the agents wrote on them, the grant Leases, the
// coordinators' election Leases and the latest waiting Events), one row per node, one per budget
// group and one per fleet's coordinator. Membership is the
// rendered node affinity (AgentConfig.members); node state is the agent's annotation (policy/state.ts).
import { haltRows, type HaltRead, type HaltRow } from './status-halt.ts';
import { describeBlockReason, holdReason } from '../../agent/core/blockers.ts';
import {
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import {
  coordinatorRow,
  grantCell,
  type CoordinatorLease,
  type CoordinatorRow,
  type GrantCell,
} from './status-coordinator.ts';
import type { Grant } from '../../kube/ports.ts';
import { decodeLastReboot, decodeState, type Phase } from '../../policy/state.ts';
import { allowedUnavailable, FLEET_GROUP, formatBudget } from '../../policy/budget.ts';
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

export type { CoordinatorLease, CoordinatorRow, GrantCell } from './status-coordinator.ts';

export interface StatusNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly ready: boolean;
  readonly unschedulable: boolean;
}

/** The latest Event an agent or the coordinator recorded while a node waits (RebootBlocked, WaitingForGrant, ...). */
export interface WaitEvent {
  readonly reason: string;
  readonly message: string;
  readonly atMs: number;
}

export interface StatusInput {
  readonly configs: readonly AgentConfig[];
  readonly nodes: readonly StatusNode[];
  /** Grant Leases, by the fleet they belong to. */
  readonly grants: readonly { readonly fleet: string; readonly grant: Grant }[];
  /** Each fleet's coordinator election Lease: who leads, last renewed when (absent: never started). */
  readonly coordinators: readonly CoordinatorLease[];
  readonly waits: ReadonlyMap<string, WaitEvent>;
  /** The reconcilers' status ConfigMaps found (none in CI mode). */
  readonly reconcilers?: readonly ReconcilerRecord[];
  /** The halt records of the fleets' pools (spec.halt); absent: none read. */
  readonly halts?: readonly HaltRead[];
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
  /** The grant it holds, if any. */
  readonly grant: GrantCell | null;
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
  readonly coordinators: readonly CoordinatorRow[];
  /** Pools halted after repeated failures (spec.halt). */
  readonly halted: readonly HaltRow[];
}

function phaseOf(node: StatusNode): {
  phase: NodePhase;
  problem?: string;
  failed?: { reason?: string; retryAfterMs?: number };
  /** acquiring: why the node's pod or alert blockers hold it, as its agent recorded. */
  blocked?: string;
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
      : { phase: s.phase, ...(s.phase === 'acquiring' && s.blocked ? { blocked: s.blocked } : {}) };
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
  if (p.blocked) return `blocked: ${p.blocked}`;
  // A waiting Event older than the current need tells of an earlier wait; once granted, it waits no more.
  const waiting = p.phase === 'pending' || p.phase === 'acquiring';
  if (waiting && wait && (sinceMs === null || Number.isNaN(sinceMs) || wait.atMs >= sinceMs))
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
      const held = input.grants.find(
        (g) => g.grant.node === node.name && (first === undefined || g.fleet === first.fleet),
      );
      const record = decodeState(node.annotations[STATE_ANNOTATION]);
      const recordSinceMs = record.kind === 'ok' ? record.state.sinceMs : undefined;
      const grant = held === undefined ? null : grantCell(held.grant, first?.namespace ?? '', nowMs, recordSinceMs);
      const window = nextWindow(first, nowMs, windows);
      const blocker = blockerOf(node, p, input.waits.get(node.name), since);
      return {
        node: node.name,
        fleet: first?.fleet ?? null,
        policies: mine.map((c) => c.policy.name),
        pool: first ? (node.labels[first.poolLabel] ?? null) : null,
        rebootRequiredSinceMs: since,
        phase: p.phase,
        grant,
        blocker:
          blocker ?? (p.phase === 'pending' || p.phase === 'acquiring' ? pendingWhy(first, window, nowMs) : null),
        window,
        timeZone: first?.policy.schedule.timeZone ?? null,
        unavailable: !node.ready || node.unschedulable || grant !== null,
        pendingFor: pendingFor(since, nowMs),
      };
    });
  const groups: GroupRow[] = [];
  for (const fleet of [...new Set(configs.map((c) => c.fleet))]) {
    const ofFleet = configs.filter((c) => c.fleet === fleet);
    const holders = (policy: string | null) =>
      new Set(
        input.grants
          .filter((g) => g.fleet === fleet && (policy === null || g.grant.policy === policy))
          .map((g) => g.grant.node),
      );
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
    if (cap) groups.push(group(fleet, FLEET_GROUP, cap, nodes, holders(null), undefined, null, nowMs));
  }
  const coordinators = [...new Map(configs.map((c) => [c.fleet, c])).values()].map((c) =>
    coordinatorRow(
      c.fleet,
      input.coordinators.find((l) => l.fleet === c.fleet && l.namespace === c.namespace),
      nowMs,
    ),
  );
  return {
    nodes,
    groups,
    reconcilers: reconcilerRows(input.reconcilers ?? []),
    findings: statusFindings(configs, input.nodes, nodes),
    coordinators,
    halted: haltRows(input.halts ?? []),
  };
}
