// The coordinator's read access for health gates, rendered from the policies: exactly the resources
// the checks name, by name where they name objects; and how a kind becomes a resource.
import { describe, expect, it } from 'vitest';
import { resourceOf } from '../../policy/health-kinds.ts';
import type { HealthCheck, PolicyModel } from '../../policy/model.ts';
import { healthCheck } from '../fixtures/health-check.ts';
import { healthCheckRules } from '../../reconciler/render/health-rbac.ts';
import { formatFieldPath } from '../../reconciler/plan/diff.ts';
import { buildPlan } from '../../reconciler/plan/plan.ts';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { fleetOf, NOW } from './render-fixtures.ts';

const check = (over: Partial<HealthCheck>) => healthCheck({ expression: 'true', reason: 'r', ...over });
const policy = (name: string, healthChecks?: HealthCheck[]) =>
  ({ name, ...(healthChecks ? { healthChecks } : {}) }) as unknown as PolicyModel;

describe('health check RBAC', () => {
  it('grants nothing without health checks', () => {
    expect(healthCheckRules([policy('a'), policy('b', [])])).toEqual([]);
  });

  it('gets named objects by name only, lists where a check reads by selector, and leaves Nodes to the existing rule', () => {
    const rules = healthCheckRules([
      policy('b', [check({ name: 'web' }), check({ name: 'api' })]),
      policy('a', [
        check({ name: 'api' }),
        check({ apiVersion: 'ceph.rook.io/v1', kind: 'CephCluster', resource: 'cephclusters', name: null }),
        check({ apiVersion: 'v1', kind: 'Node', resource: 'nodes', namespace: null }),
      ]),
    ]);
    expect(rules.map((r) => r.rule)).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['api', 'web'], verbs: ['get'] },
      { apiGroups: ['ceph.rook.io'], resources: ['cephclusters'], verbs: ['list'] },
    ]);
    expect(rules[0]!.why).toBe('health checks of a, b: read these deployments by name (spec.healthChecks); read only.');
  });

  it('finds the resource of a kind: as written, built in, or the usual plural', () => {
    expect(resourceOf('apps/v1', 'Deployment')).toBe('deployments');
    expect(resourceOf('policy/v1', 'PodDisruptionBudget')).toBe('poddisruptionbudgets');
    expect(resourceOf('ceph.rook.io/v1', 'CephCluster')).toBe('cephclusters');
    expect(resourceOf('example.com/v1', 'Policy')).toBe('policies');
    expect(resourceOf('example.com/v1', 'Gateway')).toBe('gateways');
    expect(resourceOf('example.com/v1', 'Ingress')).toBe('ingresses');
    expect(resourceOf('example.com/v1', 'Box')).toBe('boxes');
    expect(resourceOf('example.com/v1', 'Mouse', 'mice')).toBe('mice');
  });
});

describe('plan', () => {
  it("shows a new health check's read access as a change of the coordinator's ClusterRole", () => {
    const base = compileFleet(fleetOf([{ name: 'pay', spec: ['nodePools: [p]'] }]));
    const head = compileFleet(
      fleetOf([
        {
          name: 'pay',
          spec: [
            'nodePools: [p]',
            'healthChecks:',
            '  - { apiVersion: apps/v1, kind: Deployment, namespace: payments, name: api, reason: api up,',
            '      expression: "object.?status.availableReplicas.orValue(0) >= object.spec.replicas" }',
          ],
        },
      ]),
    );
    const plan = buildPlan({ base, head, nowMs: NOW });
    const role = plan.objects.changed.find(
      (c) => c.after.kind === 'ClusterRole' && /coordinator/.test(String(c.after.metadata?.name)),
    );
    expect(role?.changes.map((c) => [formatFieldPath(c.path), c.after])).toEqual([
      ['rules[2]', { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['api'], verbs: ['get'] }],
    ]);
  });
});
