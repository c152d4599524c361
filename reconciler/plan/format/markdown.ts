// The plan as a pull-request comment (GitHub-flavoured Markdown). The first line is a hidden marker
// a CI job uses to find and update its earlier comment instead of adding a new one. Long parts sit
// in <details> and are capped, to stay well under GitHub's 65,536-character comment limit.
import { formatFieldPath, type FieldChange } from '../diff.ts';
import { objectTitle } from '../../render/objects.ts';
import type { AspectChange, PolicyPlan } from '../plan.ts';
import {
  hasChanges,
  nodeMoveCount,
  objectCounts,
  policyCounts,
  restartLine,
  shortValue,
  type PlanReport,
} from './report.ts';

/** Hidden first line of the comment, for finding it again. */
export const PLAN_COMMENT_MARKER = '<!-- patchwindow-plan -->';
/** Field changes listed per object or policy before the rest is summarised. */
const MAX_FIELD_ROWS = 40;

/** Text safe inside a table cell and a code span. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/`/g, "'").replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  return `\`${cell(text)}\``;
}

function owner(policy: string | null, byDefault: boolean): string {
  if (policy === null) return '_(no policy: no agent)_';
  return byDefault ? `${code(policy)} (default policy)` : code(policy);
}

function lines(view: AspectChange['before']): string {
  return view ? view.lines.map(cell).join('<br>') : '_(policy absent)_';
}

function fieldTable(changes: readonly FieldChange[]): string[] {
  const rows = changes
    .slice(0, MAX_FIELD_ROWS)
    .map((c) => `| ${code(formatFieldPath(c.path))} | ${code(shortValue(c.before))} | ${code(shortValue(c.after))} |`);
  const more =
    changes.length > MAX_FIELD_ROWS
      ? [``, `_… and ${changes.length - MAX_FIELD_ROWS} more; run \`patchwindow plan\` locally for all._`]
      : [];
  return ['| field | before | after |', '|---|---|---|', ...rows, ...more];
}

function policySection(p: PolicyPlan): string[] {
  const out = ['', `#### ${code(p.name)} — ${p.status}`];
  if (p.aspects.length > 0) {
    out.push(
      '',
      '| | before | after |',
      '|---|---|---|',
      ...p.aspects.map((a) => `| ${cell(a.title)} | ${lines(a.before)} | ${lines(a.after)} |`),
    );
  }
  if (p.fields.length > 0) {
    out.push(
      '',
      `<details><summary>${p.fields.length} policy field${p.fields.length === 1 ? '' : 's'} changed</summary>`,
      '',
      ...fieldTable(p.fields),
      '',
      '</details>',
    );
  }
  return out;
}

export function planMarkdown(report: PlanReport): string {
  const { plan } = report;
  const out = [
    PLAN_COMMENT_MARKER,
    `### patchwindow plan — fleet ${code(report.fleet)}`,
    '',
    `Comparing ${code(report.base)} with ${cell(report.head)}.`,
  ];
  if (report.baseNote) out.push('', `> [!NOTE]`, `> ${cell(report.baseNote)}`);
  if (!hasChanges(plan)) {
    out.push('', 'No changes.');
    return `${out.join('\n')}\n`;
  }
  out.push('', `**Policies:** ${policyCounts(plan.policies)} · **Objects:** ${objectCounts(plan)}`);
  for (const p of plan.policies) if (p.status !== 'unchanged') out.push(...policySection(p));
  if (plan.fleet.length > 0) out.push('', '#### Fleet', '', ...fieldTable(plan.fleet));
  if (plan.pools.length > 0) {
    out.push(
      '',
      '#### Pools moved',
      '',
      '| pool | from | to |',
      '|---|---|---|',
      ...plan.pools.map((m) => `| ${code(m.pool)} | ${owner(m.from, m.fromDefault)} | ${owner(m.to, m.toDefault)} |`),
    );
  }
  if (plan.restarts.length > 0) out.push('', `> [!NOTE]`, `> ${cell(restartLine(plan.restarts))}`);
  if (plan.nodes) {
    const { moves, head } = plan.nodes;
    out.push('', `#### Nodes (${cell(report.nodesFile ?? '--nodes')})`, '');
    if (head.uncovered.length > 0)
      out.push(`> [!WARNING]`, `> No agent after this change: ${head.uncovered.map(code).join(', ')}`, '');
    if (head.doubleCovered.length > 0)
      out.push(`> [!CAUTION]`, `> Two agents after this change: ${head.doubleCovered.map(code).join(', ')}`, '');
    if (plan.nodes.findings.length > 0)
      out.push(`> [!WARNING]`, ...plan.nodes.findings.map((f) => `> - ${cell(f.message)}`), '');
    if (moves.length === 0) out.push('No node changes policy.');
    else {
      const rows = moves
        .slice(0, MAX_FIELD_ROWS)
        .map(
          (m) =>
            `| ${code(m.node)} | ${cell(m.from.join(', ') || '(no agent)')} | ${cell(m.to.join(', ') || '(no agent)')} |`,
        );
      const more = moves.length > MAX_FIELD_ROWS ? ['', `_… and ${moves.length - MAX_FIELD_ROWS} more nodes._`] : [];
      out.push(
        `<details><summary>${nodeMoveCount(moves.length)}</summary>`,
        '',
        '| node | before | after |',
        '|---|---|---|',
        ...rows,
        ...more,
        '',
        '</details>',
      );
    }
  }
  const { added, removed, changed } = plan.objects;
  out.push('', `<details><summary>Rendered objects: ${objectCounts(plan)}</summary>`, '');
  for (const o of added) out.push(`- added ${code(objectTitle(o))}`);
  for (const o of removed) out.push(`- removed ${code(objectTitle(o))}`);
  for (const c of changed)
    out.push(`- changed ${code(objectTitle(c.after))}`, '', ...fieldTable(c.changes).map((l) => `  ${l}`), '');
  out.push('', '</details>');
  return `${out.join('\n')}\n`;
}
