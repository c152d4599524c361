// The forecast cannot know the cluster's health: a policy with health gates is forecast as if they
// passed, and the forecast says so.
import { describe, expect, it } from 'vitest';
import { fleetYaml, NIGHTLY_2H, poolNodes, run } from './forecast-fixtures.ts';

describe('the forecast of a policy with health gates', () => {
  it('assumes every gate passes and says it cannot know', () => {
    const gate = [
      'healthChecks:',
      '  - { apiVersion: apps/v1, kind: Deployment, namespace: payments, name: api, reason: api up,',
      '      expression: "object.?status.availableReplicas.orValue(0) >= object.spec.replicas" }',
    ];
    const spec = ['maxUnavailable: 1', `windows: [${NIGHTLY_2H}]`, 'drain: { timeout: 30m }'];
    const gated = run(fleetYaml([{ name: 'a', spec: [...spec, ...gate] }]), poolNodes('a', 3)).policies[0]!;
    const plain = run(fleetYaml([{ name: 'a', spec }]), poolNodes('a', 3)).policies[0]!;
    expect(gated.finishMs).toBe(plain.finishMs);
    expect(plain.warnings).toEqual([]);
    expect(gated.warnings).toEqual([
      {
        policy: 'a',
        reason: 'health-gates',
        message:
          'assumes its health checks ("api up") pass before every node; the forecast cannot know the cluster\'s health, and a failing gate holds the pool longer',
      },
    ]);
  });
});
