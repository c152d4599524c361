// `patchwindow status` output: two tables for a terminal, or one JSON document for tools.
import { formatZoned } from '../../policy/calendar.ts';
import type { Interval } from '../../policy/model.ts';
import { formatTable } from '../../io/table.ts';
import { FLEET_GROUP } from '../../policy/budget.ts';
import type { CoordinatorRow, GrantCell, GroupRow, NodeRow, Status } from './status.ts';

const DASH = '-';

function windowText(window: Interval | null, timeZone: string | null, nowMs: number): string {
  if (!window || !timeZone) return DASH;
  return window.startMs <= nowMs
    ? `open until ${formatZoned(window.endMs, timeZone)}`
    : formatZoned(window.startMs, timeZone);
}

function sinceText(ms: number | null): string {
  if (ms === null) return DASH;
  return Number.isNaN(ms) ? 'yes (time unknown)' : formatZoned(ms, 'UTC');
}

function grantText(g: GrantCell | null): string {
  if (g === null) return DASH;
  const since = `since ${formatZoned(g.sinceMs, 'UTC')}`;
  return g.stalledSinceMs === null ? since : `${since}, STALLED since ${formatZoned(g.stalledSinceMs, 'UTC')}`;
}

function coordinatorCells(c: CoordinatorRow): string[] {
  const renewed = c.renewedMs === null ? DASH : formatZoned(c.renewedMs, 'UTC');
  return [
    c.fleet,
    c.missing ? 'MISSING: no new grants; reboots already granted finish' : 'present',
    c.leader ?? DASH,
    renewed,
  ];
}

function nodeCells(r: NodeRow, nowMs: number): string[] {
  const policy =
    r.policies.length === 0 ? DASH : r.policies.length === 1 ? r.policies[0]! : `${r.policies.join('+')} (conflict)`;
  return [
    r.node,
    policy,
    r.pool ?? DASH,
    sinceText(r.rebootRequiredSinceMs),
    r.phase,
    grantText(r.grant),
    r.blocker ?? DASH,
    windowText(r.window, r.timeZone, nowMs),
  ];
}

function groupCells(g: GroupRow, nowMs: number): string[] {
  const name = g.group === FLEET_GROUP ? 'fleet-wide cap' : g.group;
  return [
    g.fleet,
    name,
    String(g.nodes),
    `${g.allowed} (${g.budget})`,
    String(g.unavailable),
    String(g.pending),
    windowText(g.window, g.timeZone, nowMs),
  ];
}

export function formatStatusText(s: Status, nowMs: number): string {
  const nodes = formatTable(
    ['NODE', 'POLICY', 'POOL', 'REBOOT REQUIRED SINCE', 'PHASE', 'GRANT', 'BLOCKER', 'NEXT WINDOW'],
    s.nodes.map((r) => nodeCells(r, nowMs)),
  );
  const groups = formatTable(
    ['FLEET', 'POLICY', 'NODES', 'BUDGET', 'UNAVAILABLE', 'PENDING', 'NEXT WINDOW'],
    s.groups.map((g) => groupCells(g, nowMs)),
  );
  const coordinators = formatTable(
    ['FLEET', 'COORDINATOR', 'LEADER', 'LAST RENEWAL'],
    s.coordinators.map(coordinatorCells),
  );
  // A stalled grant holds its pool until someone acts: say exactly how to free it.
  const stalled = s.nodes
    .filter((r) => (r.grant?.stalledSinceMs ?? null) !== null)
    .map(
      (r) =>
        `${r.node} holds a grant its agent stopped renewing; once the node cannot act any more (check it), free it with: ${r.grant!.freeCommand}`,
    );
  return [nodes, groups, coordinators, ...stalled].join('\n');
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined || Number.isNaN(ms) ? null : new Date(ms).toISOString();
const interval = (w: Interval | null) => (w ? { start: iso(w.startMs), end: iso(w.endMs) } : null);

/** JSON for tools: times in RFC 3339 UTC, absent values null. */
export function formatStatusJson(s: Status, nowMs: number): string {
  const doc = {
    time: iso(nowMs),
    nodes: s.nodes.map((r) => ({
      node: r.node,
      fleet: r.fleet,
      policies: r.policies,
      pool: r.pool,
      rebootRequired: r.rebootRequiredSinceMs !== null,
      rebootRequiredSince: iso(r.rebootRequiredSinceMs),
      phase: r.phase,
      grant:
        r.grant === null
          ? null
          : { since: iso(r.grant.sinceMs), stalledSince: iso(r.grant.stalledSinceMs), free: r.grant.freeCommand },
      blocker: r.blocker,
      unavailable: r.unavailable,
      nextWindow: interval(r.window),
    })),
    pools: s.groups.map((g) => ({
      fleet: g.fleet,
      policy: g.group === FLEET_GROUP ? null : g.group,
      fleetCap: g.group === FLEET_GROUP,
      nodes: g.nodes,
      budget: g.budget,
      allowedUnavailable: g.allowed,
      unavailable: g.unavailable,
      pending: g.pending,
      nextWindow: interval(g.window),
    })),
    coordinators: s.coordinators.map((c) => ({
      fleet: c.fleet,
      present: !c.missing,
      leader: c.leader,
      lastRenewal: iso(c.renewedMs),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
