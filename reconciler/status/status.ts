// `patchwindow status` (pure): from what the cluster shows (the AgentConfigs the reconciler or render
// put in the agents' namespace, the Nodes with what the agents wrote on them, the grant Leases, the
// coordinators' election Leases and the latest waiting Events), one row per node, one per budget
// group and one per fleet's coordinator. Membership is the
// rendered node affinity (AgentConfig.members); node state is the agent's annotation (policy/state.ts).
import { describeBlockReason, holdReason } from '../../agent/core/blockers.ts';
import {
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import { grantLeaseName } from '../../kube/grants.ts';
import type { Grant } from '../../kube/ports.ts';
import { decodeLastReboot, decodeState, type Phase } from '../../policy/state.ts';
import { allowedUnavailable, FLEET_GROUP, formatBudget } from '../../policy/budget.ts';
import { formatZoned } from '../../policy/calendar.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { AgentConfig, Budget, Interval } from '../../policy/model.ts';
import { compileSchedule, START_HORIZON_MS } from '../../policy/windows.ts';
import { compareText } from '../../policy/diagnostics.ts';

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
  readonly nowMs: number;
}

/** A fleet's coordinator election Lease as read. */
export interface CoordinatorLease {
  readonly fleet: string;
  readonly namespace: string;
  /** Empty: nobody leads (the last leader stopped). */
  readonly holder: string;
  readonly renewedMs: number;
  readonly durationMs: number;
}

/** A node's grant, as status shows it. */
export interface GrantCell {
  readonly sinceMs: number;
  /** The holder stopped renewing it since this instant (it keeps it: free it by hand if the node is gone for good). */
  readonly stalledSinceMs: number | null;
  /** The command that frees it (operators only: the node's agent must not act any more). */
  readonly freeCommand: string;
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
}

/** A fleet's coordinator: present (a leader renewing its Lease) or missing. */
export interface CoordinatorRow {
  readonly fleet: string;
  readonly leader: string | null;
  readonly renewedMs: number | null;
  /** No leader renewed within the Lease duration: no new grants; reboots already granted finish. */
  readonly missing: boolean;
}

export interface Status {
  readonly nodes: readonly NodeRow[];
  readonly groups: readonly GroupRow[];
  readonly coordinators: readonly CoordinatorRow[];
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
      const grant = held === undefined ? null : grantCell(held.grant, first?.namespace ?? '', nowMs);
      return {
        node: node.name,
        fleet: first?.fleet ?? null,
        policies: mine.map((c) => c.policy.name),
        pool: first ? (node.labels[first.poolLabel] ?? null) : null,
        rebootRequiredSinceMs: since,
        phase: p.phase,
        grant,
        blocker: blockerOf(node, p, input.waits.get(node.name), since),
        window: nextWindow(first, nowMs, windows),
        timeZone: first?.policy.schedule.timeZone ?? null,
        unavailable: !node.ready || node.unschedulable || grant !== null,
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
        group(fleet, c.policy.name, c.policy.budget, members, holders(c.policy.name), c, nextWindow(c, nowMs, windows)),
      );
    }
    const cap = ofFleet[0]?.fleetBudget;
    // The fleet-wide cap counts every node of the cluster, as the agents do.
    if (cap) groups.push(group(fleet, FLEET_GROUP, cap, nodes, holders(null), undefined, null));
  }
  const coordinators = [...new Map(configs.map((c) => [c.fleet, c])).values()].map((c) =>
    coordinatorRow(
      c.fleet,
      input.coordinators.find((l) => l.fleet === c.fleet && l.namespace === c.namespace),
      nowMs,
    ),
  );
  return { nodes, groups, coordinators };
}

function grantCell(g: Grant, namespace: string, nowMs: number): GrantCell {
  const stale = nowMs >= g.renewedMs + g.ttlMs;
  return {
    sinceMs: g.grantedMs,
    stalledSinceMs: stale ? g.renewedMs : null,
    freeCommand: `kubectl -n ${namespace} delete lease ${grantLeaseName(g.node)}`,
  };
}

function coordinatorRow(fleet: string, lease: CoordinatorLease | undefined, nowMs: number): CoordinatorRow {
  if (lease === undefined || lease.holder === '')
    return { fleet, leader: null, renewedMs: lease?.renewedMs ?? null, missing: true };
  return {
    fleet,
    leader: lease.holder,
    renewedMs: lease.renewedMs,
    missing: nowMs > lease.renewedMs + lease.durationMs,
  };
}
