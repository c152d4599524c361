// The plan for a terminal.
import { objectTitle } from '../../render/objects.ts';
import type { AspectChange, PolicyPlan } from '../plan.ts';
import {
  changeLine,
  hasChanges,
  nodeMoveCount,
  objectCounts,
  policyCounts,
  poolOwner,
  restartLine,
  type PlanReport,
} from './report.ts';

const MARK = { added: '+', removed: '-', changed: '~', unchanged: ' ' } as const;

function aspectLines(a: AspectChange): string[] {
  const before = a.before?.lines ?? ['(policy absent)'];
  const after = a.after?.lines ?? ['(policy absent)'];
  if (before.length === 1 && after.length === 1) return [`    ${a.title}: ${before[0]} → ${after[0]}`];
  return [
    `    ${a.title}:`,
    ...before.map((l, i) => `      ${i === 0 ? 'before:' : '       '} ${l}`),
    ...after.map((l, i) => `      ${i === 0 ? 'after: ' : '       '} ${l}`),
  ];
}

function policyLines(p: PolicyPlan): string[] {
  const out = [`  ${MARK[p.status]} ${p.name} (${p.status})`];
  for (const a of p.aspects) out.push(...aspectLines(a));
  if (p.fields.length > 0) out.push('    fields:', ...p.fields.map((c) => `      ${changeLine(c)}`));
  return out;
}

export function planText(report: PlanReport): string {
  const { plan } = report;
  const out: string[] = [`patchwindow plan: ${report.base} → ${report.head} (fleet ${report.fleet})`];
  if (report.baseNote) out.push(`note: ${report.baseNote}`);
  if (!hasChanges(plan)) {
    out.push('no changes');
    return `${out.join('\n')}\n`;
  }
  out.push('', `Policies: ${policyCounts(plan.policies)}`);
  for (const p of plan.policies) if (p.status !== 'unchanged') out.push(...policyLines(p));
  if (plan.fleet.length > 0) out.push('', 'Fleet:', ...plan.fleet.map((c) => `  ${changeLine(c)}`));
  if (plan.pools.length > 0) {
    out.push(
      '',
      'Pools moved:',
      ...plan.pools.map((m) => `  ${m.pool}: ${poolOwner(m.from, m.fromDefault)} → ${poolOwner(m.to, m.toDefault)}`),
    );
  }
  if (plan.restarts.length > 0) out.push('', restartLine(plan.restarts));
  if (plan.nodes) {
    const { moves, head } = plan.nodes;
    out.push('', `Nodes (${report.nodesFile ?? '--nodes'}): ${nodeMoveCount(moves.length)}`);
    for (const m of moves)
      out.push(`  ${m.node}: ${m.from.join(', ') || '(no agent)'} → ${m.to.join(', ') || '(no agent)'}`);
    if (head.uncovered.length > 0) out.push(`  uncovered after the change: ${head.uncovered.join(', ')}`);
    if (head.doubleCovered.length > 0) out.push(`  covered twice after the change: ${head.doubleCovered.join(', ')}`);
    for (const f of plan.nodes.findings) out.push(`  warning: ${f.message}`);
  }
  out.push('', `Objects: ${objectCounts(plan)}`);
  for (const o of plan.objects.added) out.push(`  + ${objectTitle(o)}`);
  for (const o of plan.objects.removed) out.push(`  - ${objectTitle(o)}`);
  for (const c of plan.objects.changed)
    out.push(`  ~ ${objectTitle(c.after)}`, ...c.changes.map((f) => `      ${changeLine(f)}`));
  return `${out.join('\n')}\n`;
}
