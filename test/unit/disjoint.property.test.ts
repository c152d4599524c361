// Property: for random pools, selector policies, priorities and default policies, every node matches
// the rendered node affinity of at most one DaemonSet — exactly one when there is a default policy —
// and that DaemonSet belongs to the policy the precedence rules give it. The affinity is read back
// from the rendered objects, not from compile's terms.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { computeCoverage } from '../../reconciler/plan/coverage.ts';
import { renderObjects } from '../../reconciler/render/render.ts';
import { nodeSelectorTermsMatch, selectorMatches } from '../../policy/labels.ts';
import type { LabelSelector, NodeSelectorTerm, PolicyModel } from '../../policy/model.ts';
import { fleetOf, type PolicySpec } from './render-fixtures.ts';

const POOLS = ['a', 'b', 'c', 'd', 'e'];
const KEYS = ['zone', 'tier', 'gpu'];
const VALUES = ['x', 'y', 'z'];

const requirementArb = fc.oneof(
  fc.record({
    key: fc.constantFrom(...KEYS),
    operator: fc.constantFrom('In' as const, 'NotIn' as const),
    values: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    key: fc.constantFrom(...KEYS, 'pool'),
    operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const),
  }),
);
const selectorArb: fc.Arbitrary<LabelSelector> = fc
  .record({
    matchLabels: fc.dictionary(fc.constantFrom(...KEYS, 'pool'), fc.constantFrom(...VALUES, ...POOLS), { maxKeys: 2 }),
    matchExpressions: fc.array(requirementArb, { maxLength: 2 }),
  })
  .filter((s) => Object.keys(s.matchLabels).length + s.matchExpressions.length <= 3);

interface FleetShape {
  readonly poolOwner: readonly number[];
  readonly selectors: readonly { readonly selector: LabelSelector; readonly priority: number }[];
  readonly hasDefault: boolean;
}

const fleetArb: fc.Arbitrary<FleetShape> = fc.record({
  // Each pool goes to one of: pool policy 0..2, the default policy (3), or nobody (4).
  poolOwner: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: POOLS.length, maxLength: POOLS.length }),
  selectors: fc
    .array(fc.record({ selector: selectorArb, priority: fc.integer({ min: -5, max: 5 }) }), { maxLength: 3 })
    .map((list) => list.filter((s, i) => list.findIndex((o) => o.priority === s.priority) === i)),
  hasDefault: fc.boolean(),
});

const nodeArb = fc.record(
  {
    pool: fc.constantFrom(...POOLS, 'f'),
    zone: fc.constantFrom(...VALUES),
    tier: fc.constantFrom(...VALUES),
    gpu: fc.constantFrom(...VALUES),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<Record<string, string>>;

function policiesOf(shape: FleetShape): { specs: PolicySpec[]; defaultPolicy?: string } {
  const specs: PolicySpec[] = [];
  for (let owner = 0; owner <= 2; owner++) {
    const pools = POOLS.filter((_, i) => shape.poolOwner[i] === owner);
    if (pools.length > 0) specs.push({ name: `pools${owner}`, spec: [`nodePools: [${pools.join(', ')}]`] });
  }
  shape.selectors.forEach((s, i) =>
    specs.push({ name: `sel${i}`, spec: [`nodeSelector: ${JSON.stringify(s.selector)}`, `priority: ${s.priority}`] }),
  );
  if (!shape.hasDefault) return { specs };
  const own = POOLS.filter((_, i) => shape.poolOwner[i] === 3);
  specs.push({ name: 'fallback', spec: own.length > 0 ? [`nodePools: [${own.join(', ')}]`] : [] });
  return { specs, defaultPolicy: 'fallback' };
}

/** The precedence rules, written directly: named pools, then selectors by priority, then the default. */
function intendedOwner(policies: readonly PolicyModel[], labels: Record<string, string>): string | undefined {
  const pool = labels.pool;
  const byPool = policies.find(
    (p) => p.membership.kind !== 'selector' && pool !== undefined && p.membership.pools.includes(pool),
  );
  if (byPool) return byPool.name;
  const selectors = policies
    .flatMap((p) => (p.membership.kind === 'selector' ? [{ name: p.name, ...p.membership }] : []))
    .sort((a, b) => b.priority - a.priority);
  const bySelector = selectors.find((s) => selectorMatches(s.selector, labels));
  if (bySelector) return bySelector.name;
  return policies.find((p) => p.membership.kind === 'default')?.name;
}

describe('rendered DaemonSets are disjoint', () => {
  it('every node matches at most one DaemonSet, exactly one with a default policy, the one precedence says', () => {
    fc.assert(
      fc.property(fleetArb, fc.array(nodeArb, { minLength: 1, maxLength: 20 }), (shape, nodeLabels) => {
        const { specs, defaultPolicy } = policiesOf(shape);
        fc.pre(specs.length > 0);
        const set = fleetOf(specs, defaultPolicy ? { defaultPolicy } : {});
        const daemonSets = renderObjects(compileFleet(set))
          .map((r) => r.object)
          .filter((o) => o.kind === 'DaemonSet');
        for (const labels of nodeLabels) {
          const matching = daemonSets.filter((ds) => {
            const spec = ds.spec as {
              template: {
                spec: {
                  affinity: {
                    nodeAffinity: {
                      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: NodeSelectorTerm[] };
                    };
                  };
                };
              };
            };
            return nodeSelectorTermsMatch(
              spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
              labels,
            );
          });
          expect(matching.length).toBeLessThanOrEqual(1);
          if (defaultPolicy) expect(matching.length).toBe(1);
          expect(matching[0]?.metadata.labels?.['patchwindow.io/policy']).toBe(intendedOwner(set.policies, labels));
        }
        // coverage, which evaluates the same objects, agrees.
        const nodes = nodeLabels.map((labels, i) => ({ name: `n${i}`, labels, taints: [] }));
        const report = computeCoverage(daemonSets, nodes);
        expect(report.doubleCovered).toEqual([]);
        if (defaultPolicy) expect(report.uncovered).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
