// A plan that says what will happen: a removed policy's pools go to the default policy, fields are
// named as the files write them, budgets are in nodes with --nodes, and a change that replaces the
// agents says so.
import { describe, expect, it } from 'vitest';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { formatFieldPath } from '../../reconciler/plan/diff.ts';
import { buildPlan } from '../../reconciler/plan/plan.ts';
import { planJson } from '../../reconciler/plan/format/json.ts';
import { planMarkdown } from '../../reconciler/plan/format/markdown.ts';
import { planText } from '../../reconciler/plan/format/text.ts';
import type { PolicySet } from '../../policy/model.ts';
import { examplePolicySet, NOW } from './render-fixtures.ts';
import { AKS_POOL } from './typo-fixtures.ts';

const report = (plan: ReturnType<typeof buildPlan>) => ({
  plan,
  fleet: 'prod-westeurope',
  base: 'main (abc1234)',
  head: 'the working tree',
  baseNote: null,
  nodesFile: 'nodes.yaml',
});
const without = (set: PolicySet, name: string): PolicySet => ({
  ...set,
  policies: set.policies.filter((p) => p.name !== name),
});
const nodes = ['system-0', 'system-1', 'system-2', 'general-0'].map((name) => ({
  name,
  labels: { [AKS_POOL]: name.split('-')[0]! },
  taints: [],
}));

describe('removing a policy when the Fleet has a default policy', async () => {
  const set = await examplePolicySet();
  const plan = buildPlan({
    base: compileFleet(set),
    head: compileFleet(without(set, 'system')),
    nowMs: NOW,
    nodes,
  });

  it('moves its pool to the default policy, as the cluster will', () => {
    expect(plan.pools).toEqual([
      {
        pool: 'system',
        from: 'system',
        to: 'general',
        fromDefault: false,
        toDefault: true,
      },
    ]);
    expect(plan.nodes?.moves.map((m) => [m.node, m.from, m.to])).toEqual([
      ['system-0', ['system'], ['general']],
      ['system-1', ['system'], ['general']],
      ['system-2', ['system'], ['general']],
    ]);
  });

  it('says so in text, markdown and JSON', () => {
    expect(planText(report(plan))).toContain('Pools moved:\n  system: system → general (default policy)\n');
    expect(planText(report(plan))).not.toContain('(no policy');
    expect(planMarkdown(report(plan))).toContain('| `system` | `system` | `general` (default policy) |');
    expect((JSON.parse(planJson(report(plan))) as { pools: unknown }).pools).toEqual([
      {
        pool: 'system',
        from: 'system',
        to: 'general',
        fromDefault: false,
        toDefault: true,
      },
    ]);
  });

  it('says which agents restart', () => {
    // The default policy's node affinity now takes pool system: its DaemonSet's pod template changes.
    expect(plan.restarts).toEqual(['general']);
    expect(planText(report(plan))).toContain('The agents of policy general restart');
  });
});

describe('a policy edited by hand', async () => {
  const set = await examplePolicySet();
  const general = set.policies.find((p) => p.name === 'general')!;
  const [first, ...rest] = general.schedule.windows;
  const edited: PolicySet = {
    ...set,
    policies: set.policies.map((p) =>
      p !== general
        ? p
        : {
            ...general,
            budget: { kind: 'percent', percent: 40 },
            schedule: {
              ...general.schedule,
              windows: [{ ...first!, start: { hour: 21, minute: 30 } }, ...rest],
            },
            drain: { ...general.drain, timeoutMs: 45 * 60_000 },
          },
    ),
  };
  const plan = buildPlan({
    base: compileFleet(set),
    head: compileFleet(edited),
    nowMs: NOW,
  });
  const fields = plan.policies.find((p) => p.name === 'general')!.fields;

  it('names the fields as the file writes them, with written values', () => {
    expect(fields.map((f) => [formatFieldPath(f.path), f.before, f.after])).toEqual([
      ['spec.maxUnavailable', '20%', '40%'],
      ['spec.drain.timeout', '30m', '45m'],
      ['spec.windows[0].start', '20:00', '21:30'],
    ]);
    expect(planText(report(plan))).toContain('      spec.windows[0].start: "20:00" → "21:30"\n');
  });

  it('says the pool agents restart to load the new settings', () => {
    expect(plan.restarts).toEqual(['general']);
  });
});
