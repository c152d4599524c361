// `patchwindow report` output: tables for a terminal, Markdown for a ticket or a pull request, JSON
// for tools (instants RFC 3339 UTC, durations in seconds, absent values null).
import { formatInstant, formatZoned } from '../../policy/calendar.ts';
import { formatDuration } from '../../policy/duration.ts';
import { formatTable } from '../../io/table.ts';
import type { MissedWindow, Report, ReportNode, ReportPolicy } from './report.ts';

const DASH = '-';
const utc = (ms: number) => formatZoned(ms, 'UTC');

function pendingCell(n: ReportNode): string {
  if (n.pendingSinceMs === null) return DASH;
  if (Number.isNaN(n.pendingSinceMs)) return 'yes (since unknown)';
  return `${utc(n.pendingSinceMs)} (${n.pendingFor ?? '?'})`;
}

function lastRebootCell(n: ReportNode): string {
  const r = n.lastReboot;
  if (r === null) return DASH;
  const took = r.tookMs === null ? '' : `, took ${formatDuration(Math.round(r.tookMs / 1000) * 1000)}`;
  return `${utc(r.atMs)}${took}${r.loop ? ' (reboot loop: still needed after it)' : ''}`;
}

function policyCells(p: ReportPolicy): string[] {
  return [
    p.fleet,
    p.policy,
    String(p.nodes),
    String(p.pending),
    String(p.overdue),
    p.maxPendingDays === null ? 'no limit' : `${p.maxPendingDays}d`,
    String(p.missedWindows),
    String(p.rebooted),
    String(p.failures),
  ];
}

function nodeCells(n: ReportNode): string[] {
  return [
    n.node,
    n.policy,
    n.pool ?? DASH,
    n.phase,
    pendingCell(n),
    n.overdue ? 'OVERDUE' : DASH,
    String(n.missed.length),
    lastRebootCell(n),
    n.now ?? DASH,
  ];
}

const POLICY_HEADERS = [
  'FLEET',
  'POLICY',
  'NODES',
  'PENDING',
  'OVERDUE',
  'MAX PENDING',
  'WINDOWS MISSED',
  'REBOOTED',
  'FAILURES',
];
const NODE_HEADERS = [
  'NODE',
  'POLICY',
  'POOL',
  'PHASE',
  'PENDING SINCE',
  'OVERDUE',
  'WINDOWS MISSED',
  'LAST REBOOT',
  'NOT MOVING NOW BECAUSE',
];

function title(r: Report): string {
  return `patch compliance at ${formatInstant(r.toMs)}; reboots and failures since ${formatInstant(r.fromMs)}`;
}

function windowLine(w: MissedWindow, zone: string): string {
  return `${formatZoned(w.startMs, zone)} → ${formatZoned(w.endMs, zone)}: ${w.why.join('; ')}`;
}

/** Per node, the windows it missed and the failures of the period, as list items. */
function details(r: Report, bullet: string): string[] {
  const zones = new Map(r.policies.map((p) => [`${p.fleet}/${p.policy}`, p.timeZone]));
  const out: string[] = [];
  for (const n of r.nodes) {
    const zone = zones.get(`${n.fleet}/${n.policy}`) ?? 'UTC';
    if (n.missed.length > 0) {
      out.push(`${n.node} missed ${n.missed.length} window${n.missed.length === 1 ? '' : 's'} (${zone}):`);
      out.push(...n.missed.map((w) => `${bullet}${windowLine(w, zone)}`));
    }
    if (n.failures.length > 0) {
      out.push(`${n.node} failures in the period:`);
      out.push(...n.failures.map((f) => `${bullet}${utc(f.atMs)} ${f.reason}: ${f.message}`));
    }
  }
  return out;
}

export function formatReportText(r: Report): string {
  const out = [
    title(r),
    '',
    formatTable(POLICY_HEADERS, r.policies.map(policyCells)).trimEnd(),
    '',
    formatTable(NODE_HEADERS, r.nodes.map(nodeCells)).trimEnd(),
  ];
  const more = details(r, '  ');
  if (more.length > 0) out.push('', ...more);
  return `${out.join('\n')}\n`;
}

const mdCell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${headers.map((h) => h.charAt(0) + h.slice(1).toLowerCase()).join(' | ')} |`,
    `|${headers.map(() => ' --- ').join('|')}|`,
    ...rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`),
  ];
}

export function formatReportMarkdown(r: Report): string {
  const out = [
    `## Patch compliance`,
    '',
    `${title(r)}.`,
    '',
    ...mdTable(POLICY_HEADERS, r.policies.map(policyCells)),
    '',
    ...mdTable(NODE_HEADERS, r.nodes.map(nodeCells)),
  ];
  // A node's heading, then its list: a blank line before each heading and after it.
  for (const l of details(r, '- ')) out.push(...(l.startsWith('- ') ? [mdCell(l)] : ['', `**${mdCell(l)}**`, '']));
  return `${out.join('\n')}\n`;
}

const iso = (ms: number | null) => (ms === null || Number.isNaN(ms) ? null : formatInstant(ms));

export function formatReportJson(r: Report): string {
  const doc = {
    apiVersion: 'patchwindow.io/v1alpha1',
    kind: 'PatchReport',
    time: iso(r.toMs),
    from: iso(r.fromMs),
    policies: r.policies,
    nodes: r.nodes.map((n) => ({
      node: n.node,
      fleet: n.fleet,
      policy: n.policy,
      pool: n.pool,
      phase: n.phase,
      rebootRequired: n.pendingSinceMs !== null,
      pendingSince: iso(n.pendingSinceMs),
      pendingFor: n.pendingFor,
      overdue: n.overdue,
      notMovingBecause: n.now,
      windowsMissed: n.missed.map((w) => ({ start: iso(w.startMs), end: iso(w.endMs), why: w.why })),
      lastReboot:
        n.lastReboot === null
          ? null
          : {
              at: iso(n.lastReboot.atMs),
              tookSeconds: n.lastReboot.tookMs === null ? null : Math.round(n.lastReboot.tookMs / 1000),
              rebootLoop: n.lastReboot.loop,
            },
      failures: n.failures.map((f) => ({ at: iso(f.atMs), reason: f.reason, message: f.message })),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
