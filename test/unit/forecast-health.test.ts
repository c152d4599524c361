// The forecast cannot know the cluster's health nor how long a hook Job runs: a policy with health
// gates is forecast as if they passed, one with hooks as if they took no time, and it says so.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { parseInstallSettings } from '../../reconciler/validate/install.ts';
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

describe('the forecast of a policy with hooks', () => {
  it('counts the hook Jobs as taking no time and says it cannot know how long they run', async () => {
    const text = await readFile('test/fixtures/hooks/install.yaml', 'utf8');
    const install = parseInstallSettings('install.yaml', text, '0.1.0').settings!;
    const spec = ['maxUnavailable: 1', `windows: [${NIGHTLY_2H}]`, 'drain: { timeout: 30m }'];
    const hooks = ['hooks: { preReboot: { hook: db-step-down }, postReboot: { hook: db-step-up } }'];
    const hooked = run(fleetYaml([{ name: 'a', spec: [...spec, ...hooks] }], [], install), poolNodes('a', 3))
      .policies[0]!;
    const plain = run(fleetYaml([{ name: 'a', spec }], [], install), poolNodes('a', 3)).policies[0]!;
    expect(hooked.finishMs).toBe(plain.finishMs);
    expect(hooked.warnings).toEqual([
      {
        policy: 'a',
        reason: 'hooks',
        message:
          'counts its hook Jobs (db-step-down, db-step-up) as taking no time; the forecast cannot know how long they run (each up to its timeout), and every node holds its slot meanwhile',
      },
    ]);
  });
});
