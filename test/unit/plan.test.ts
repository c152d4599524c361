// buildPlan and its formats, on policy sets built in memory.
import { describe, expect, it } from 'vitest';
import type { PolicyAspect } from '../../reconciler/plan/aspect.ts';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { formatFieldPath } from '../../reconciler/plan/diff.ts';
import { buildPlan } from '../../reconciler/plan/plan.ts';
import { planJson } from '../../reconciler/plan/format/json.ts';
import { PLAN_COMMENT_MARKER, planMarkdown } from '../../reconciler/plan/format/markdown.ts';
import type { PlanReport } from '../../reconciler/plan/format/report.ts';
import { planText } from '../../reconciler/plan/format/text.ts';
import { fleetOf, NOW } from './render-fixtures.ts';

const base = compileFleet(
  fleetOf([
    { name: 'a', spec: ['nodePools: [a, shared]'] },
    { name: 'b', spec: ['nodePools: [b]'] },
    { name: 'old', spec: ['nodePools: [o]'] },
  ]),
);
const head = compileFleet(
  fleetOf([
    { name: 'a', spec: ['nodePools: [a]', 'maxUnavailable: "50%"', 'paused: true'] },
    { name: 'b', spec: ['nodePools: [b, shared]'] },
    { name: 'new', spec: ['nodePools: [n]'] },
  ]),
);
const nodes = [
  { name: 'n-shared', labels: { pool: 'shared' }, taints: [] },
  { name: 'n-a', labels: { pool: 'a' }, taints: [] },
  { name: 'n-o', labels: { pool: 'o' }, taints: [] },
];

const report = (plan: ReturnType<typeof buildPlan>): PlanReport => ({
  plan,
  fleet: 'test',
  base: 'main (abc1234)',
  head: 'the working tree',
  baseNote: null,
  nodesFile: 'nodes.yaml',
});

describe('buildPlan', () => {
  const plan = buildPlan({ base, head, nowMs: NOW, nodes });

  it('tells each policy added, removed, changed or unchanged', () => {
    expect(plan.policies.map((p) => [p.name, p.status])).toEqual([
      ['a', 'changed'],
      ['b', 'changed'],
      ['new', 'added'],
      ['old', 'removed'],
    ]);
  });

  it('compares meaning: budget, pause and the windows that are left', () => {
    const a = plan.policies.find((p) => p.name === 'a')!;
    const aspect = (id: string) => a.aspects.find((x) => x.id === id);
    expect([aspect('budget')?.before?.lines, aspect('budget')?.after?.lines]).toEqual([['1'], ['50%']]);
    expect([aspect('pause')?.before?.lines, aspect('pause')?.after?.lines]).toEqual([
      ['not paused'],
      ['paused until further notice'],
    ]);
    // Paused: no window left.
    expect(aspect('windows')?.before?.lines).toHaveLength(3);
    expect(aspect('windows')?.after?.lines).toEqual(['none within 400 days']);
    expect(a.fields.map((f) => formatFieldPath(f.path))).toEqual([
      'budget.count',
      'budget.kind',
      'budget.percent',
      'membership.pools',
      'schedule.pause.kind',
    ]);
  });

  it('lists pools that moved between policies', () => {
    expect(plan.pools).toEqual([
      { pool: 'n', from: null, to: 'new' },
      { pool: 'o', from: 'old', to: null },
      { pool: 'shared', from: 'a', to: 'b' },
    ]);
  });

  it('lists nodes that change policy, and nodes left without an agent', () => {
    expect(plan.nodes?.moves).toEqual([
      { node: 'n-o', from: ['old'], to: [] },
      { node: 'n-shared', from: ['a'], to: ['b'] },
    ]);
    expect(plan.nodes?.head.uncovered).toEqual(['n-o']);
  });

  it('diffs the rendered objects', () => {
    const titles = (list: readonly { kind: string; metadata: { name: string } }[]) =>
      list.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(titles(plan.objects.added)).toEqual(['DaemonSet/patchwindow-agent-new', 'ConfigMap/patchwindow-agent-new']);
    expect(titles(plan.objects.removed)).toEqual([
      'DaemonSet/patchwindow-agent-old',
      'ConfigMap/patchwindow-agent-old',
    ]);
  });

  it('shows everything as added against no base', () => {
    const fresh = buildPlan({ base: null, head, nowMs: NOW });
    expect(fresh.policies.every((p) => p.status === 'added')).toBe(true);
    expect(fresh.objects.removed).toEqual([]);
    expect(fresh.objects.added).toHaveLength(14);
  });

  it('reports nothing when nothing changed', () => {
    const same = buildPlan({ base: head, head, nowMs: NOW });
    expect(same.policies.every((p) => p.status === 'unchanged' && p.aspects.length === 0)).toBe(true);
    expect(planText(report(same))).toBe(
      'patchwindow plan: main (abc1234) → the working tree (fleet test)\nno changes\n',
    );
  });

  it('runs extra aspects given to it, such as a forecast, on both sides', () => {
    const forecast: PolicyAspect = {
      id: 'forecast',
      title: 'forecast',
      describe: ({ policy, nodes: n }) => ({
        lines: [`${policy.policy.name}: ${n?.length ?? 0} nodes`],
        data: policy.policy.budget,
      }),
    };
    const withForecast = buildPlan({ base, head, nowMs: NOW, nodes, aspects: [forecast] });
    expect(withForecast.policies.find((p) => p.name === 'a')!.aspects).toEqual([
      {
        id: 'forecast',
        title: 'forecast',
        before: { lines: ['a: 3 nodes'], data: { kind: 'count', count: 1 } },
        after: { lines: ['a: 3 nodes'], data: { kind: 'percent', percent: 50 } },
      },
    ]);
    expect(withForecast.policies.find((p) => p.name === 'b')!.aspects).toEqual([]);
  });
});

describe('formats', () => {
  const plan = buildPlan({ base, head, nowMs: NOW, nodes });

  it('text names every policy change, pool move and node move', () => {
    const text = planText(report(plan));
    expect(text).toContain('Policies: 2 changed, 1 added, 1 removed\n');
    expect(text).toContain('  ~ a (changed)\n');
    expect(text).toContain('    maxUnavailable: 1 → 50%\n');
    expect(text).toContain('  shared: a → b\n');
    expect(text).toContain('  n-shared: a → b\n');
    expect(text).toContain('  uncovered after the change: n-o\n');
    expect(text).toContain('  + DaemonSet patchwindow/patchwindow-agent-new\n');
  });

  it('markdown starts with the sticky-comment marker and uses tables', () => {
    const md = planMarkdown(report(plan));
    expect(md.startsWith(`${PLAN_COMMENT_MARKER}\n### patchwindow plan — fleet \`test\`\n`)).toBe(true);
    expect(md).toContain('#### `a` — changed');
    expect(md).toContain('| maxUnavailable | 1 | 50% |');
    expect(md).toContain('| `shared` | `a` | `b` |');
    expect(md).toContain('> No agent after this change: `n-o`');
  });

  it('json is canonical and versioned', () => {
    const json = planJson(report(plan));
    expect(json).toBe(planJson(report(buildPlan({ base, head, nowMs: NOW, nodes }))));
    const value = JSON.parse(json) as {
      apiVersion: string;
      kind: string;
      pools: unknown;
      policies: { name: string; status: string }[];
      objects: { added: unknown[] };
    };
    expect([value.apiVersion, value.kind]).toEqual(['patchwindow.io/v1alpha1', 'Plan']);
    expect(value.policies.map((p) => `${p.name}:${p.status}`)).toEqual([
      'a:changed',
      'b:changed',
      'new:added',
      'old:removed',
    ]);
    expect(value.objects.added).toEqual([
      { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'patchwindow', name: 'patchwindow-agent-new' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'patchwindow', name: 'patchwindow-agent-new' },
    ]);
  });
});
