// `patchwindow status` output: two tables for a terminal, or one JSON document for tools.
import { haltText } from './status-halt.ts';
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

function sinceText(ms: number | null, pending: string | null): string {
  if (ms === null) return DASH;
  return Number.isNaN(ms) ? 'yes (time unknown)' : `${formatZoned(ms, 'UTC')} (${pending ?? '?'})`;
}

function grantText(g: GrantCell | null): string {
  if (g === null) return DASH;
  const since = `since ${formatZoned(g.sinceMs, 'UTC')}`;
  const hook =
    g.hook === undefined
      ? ''
      : `, waiting for its ${g.hook.kind === 'preReboot' ? 'pre' : 'post'}-reboot hook since ${formatZoned(g.hook.sinceMs, 'UTC')} (Job ${g.hook.job}; ${g.hook.logs})`;
  return g.stalledSinceMs === null
    ? `${since}${hook}`
    : `${since}${hook}, STALLED since ${formatZoned(g.stalledSinceMs, 'UTC')}`;
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
    sinceText(r.rebootRequiredSinceMs, r.pendingFor),
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
    g.paused ?? windowText(g.window, g.timeZone, nowMs),
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
  return `${[nodes, groups, coordinators, ...stalled, ...haltText(s.halted)].join('\n')}${reconcilerText(s)}`;
}

/** The reconcilers' last applied and refused commits, and coverage problems, under the tables. */
function reconcilerText(s: Status): string {
  const out: string[] = [];
  const short = (c: string) => c.slice(0, 12);
  for (const r of s.reconcilers) {
    const applied = r.lastApplied
      ? `last applied ${short(r.lastApplied.commit)} at ${r.lastApplied.time}`
      : 'nothing applied yet';
    out.push(
      `reconciler ${r.where}: ${applied}${r.lastResult === 'applied' || r.lastResult === null ? '' : ` (last cycle: ${r.lastResult})`}`,
    );
    if (r.lastRefused)
      out.push(
        `  last refused ${short(r.lastRefused.commit)} at ${r.lastRefused.time}: ${r.lastRefused.reason.split('\n').join('; ')}`,
      );
    if (r.failure) out.push(`  last cycle failed: ${r.failure}`);
  }
  for (const f of s.findings) out.push(`warning: ${f.message}`);
  return out.length > 0 ? `\n${out.join('\n')}\n` : '';
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined || Number.isNaN(ms) ? null : new Date(ms).toISOString();
const interval = (w: Interval | null) => (w ? { start: iso(w.startMs), end: iso(w.endMs) } : null);

/** JSON for tools: times in RFC 3339 UTC, absent values null. */
export function formatStatusJson(s: Status, nowMs: number): string {
  return `${JSON.stringify(statusJson(s, nowMs), null, 2)}\n`;
}

/** The document of `status --format json` (one line of `status --watch --format json` adds to it). */
export function statusJson(s: Status, nowMs: number) {
  return {
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
          : {
              since: iso(r.grant.sinceMs),
              stalledSince: iso(r.grant.stalledSinceMs),
              free: r.grant.freeCommand,
              ...(r.grant.hook
                ? { hook: { kind: r.grant.hook.kind, job: r.grant.hook.job, since: iso(r.grant.hook.sinceMs) } }
                : {}),
            },
      blocker: r.blocker,
      unavailable: r.unavailable,
      pendingFor: r.pendingFor,
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
      paused: g.paused,
      nextWindow: interval(g.window),
    })),
    reconcilers: s.reconcilers,
    findings: s.findings,
    coordinators: s.coordinators.map((c) => ({
      fleet: c.fleet,
      present: !c.missing,
      leader: c.leader,
      lastRenewal: iso(c.renewedMs),
    })),
    halted: s.halted.map((h) => ({ ...h, sinceMs: undefined, since: iso(h.sinceMs) })),
  };
}
