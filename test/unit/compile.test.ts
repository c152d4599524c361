// compile: disjoint node affinity by precedence, the AgentConfig each policy's agents load.
import { describe, expect, it } from 'vitest';
import {
  compileFleet,
  MAX_AFFINITY_TERMS,
  MIN_SLOT_TTL_MS,
  type CompiledFleet,
} from '../../reconciler/render/compile.ts';
import { schemaProblems } from '../../policy/schema.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import { PolicyError } from '../../policy/errors.ts';
import { renderObjects } from '../../reconciler/render/render.ts';
import { defaultInstallSettings } from '../../reconciler/validate/install.ts';
import { examplePolicySet, fleetOf } from './render-fixtures.ts';

/** The policies whose terms match the labels. */
function owners(compiled: CompiledFleet, labels: Record<string, string>): string[] {
  return compiled.policies.filter((p) => nodeSelectorTermsMatch(p.terms, labels)).map((p) => p.policy.name);
}

describe('the example', () => {
  it('gives each policy its pools and the default policy everything else', async () => {
    const compiled = compileFleet(await examplePolicySet());
    const pool = (name: string) => ({ 'kubernetes.azure.com/agentpool': name });
    expect(owners(compiled, pool('gpu'))).toEqual(['gpu']);
    expect(owners(compiled, pool('gpuv5'))).toEqual(['gpu']);
    expect(owners(compiled, pool('system'))).toEqual(['system']);
    expect(owners(compiled, pool('general'))).toEqual(['general']);
    expect(owners(compiled, pool('batch'))).toEqual(['general']);
    expect(owners(compiled, { 'kubernetes.io/os': 'linux' })).toEqual(['general']);
    expect(compiled.warnings).toEqual([]);
  });

  it('writes the pool policies as one In term and the default as its pools OR NotIn every named pool', async () => {
    const compiled = compileFleet(await examplePolicySet());
    const key = 'kubernetes.azure.com/agentpool';
    expect(compiled.policies.find((p) => p.policy.name === 'gpu')!.terms).toEqual([
      { matchExpressions: [{ key, operator: 'In', values: ['gpu', 'gpuv5'] }] },
    ]);
    expect(compiled.policies.find((p) => p.policy.name === 'general')!.terms).toEqual([
      { matchExpressions: [{ key, operator: 'In', values: ['general', 'spot'] }] },
      { matchExpressions: [{ key, operator: 'NotIn', values: ['general', 'gpu', 'gpuv5', 'spot', 'system'] }] },
    ]);
  });

  it('compiles AgentConfigs that satisfy schemas/agentconfig.schema.json', async () => {
    const compiled = compileFleet(await examplePolicySet());
    for (const p of compiled.policies) {
      expect(schemaProblems('AgentConfig', JSON.parse(JSON.stringify(p.config)))).toEqual([]);
    }
  });

  it('puts this policy terms in members and the cluster-wide cap in fleetBudget', async () => {
    const compiled = compileFleet(await examplePolicySet());
    for (const p of compiled.policies) {
      expect(p.config.members).toEqual(p.terms);
      expect(p.config.fleetBudget).toEqual({ kind: 'count', count: 3 });
      expect(p.config.agent).toMatchObject({ checkIntervalMs: 60_000, metricsPort: 9464, logLevel: 'info' });
    }
  });
});

describe('slot TTL', () => {
  it('is twice the expected reboot time, at least 15 minutes', () => {
    const set = fleetOf([
      { name: 'fast', spec: ['nodePools: [a]', 'reboot: { expectedDuration: 5m }'] },
      { name: 'slow', spec: ['nodePools: [b]', 'reboot: { expectedDuration: 20m }'] },
    ]);
    const ttl = Object.fromEntries(compileFleet(set).policies.map((p) => [p.policy.name, p.config.agent.slotTtlMs]));
    expect(ttl).toEqual({ fast: MIN_SLOT_TTL_MS, slow: 40 * 60_000 });
  });

  it('takes the agent runtime settings from the Fleet', () => {
    const set = fleetOf([{ name: 'p', spec: ['nodePools: [a]'] }], {
      extra: ['agent: { checkInterval: 30s, metricsPort: 9100, logLevel: debug }'],
    });
    expect(compileFleet(set).policies[0]!.config.agent).toEqual({
      checkIntervalMs: 30_000,
      metricsPort: 9100,
      logLevel: 'debug',
      slotTtlMs: 2 * 10 * 60_000,
    });
  });
});

describe('precedence', () => {
  const set = fleetOf(
    [
      { name: 'pools', spec: ['nodePools: [a]'] },
      { name: 'gpu', spec: ['nodeSelector: { matchLabels: { gpu: "true" } }', 'priority: 10'] },
      {
        name: 'zone1',
        spec: ['nodeSelector: { matchExpressions: [{ key: zone, operator: In, values: [z1] }] }', 'priority: 5'],
      },
      { name: 'rest', spec: ['nodePools: [d]'] },
    ],
    { defaultPolicy: 'rest' },
  );
  const compiled = compileFleet(set);

  it.each([
    [{ pool: 'a', gpu: 'true', zone: 'z1' }, 'pools'],
    [{ pool: 'd', gpu: 'true' }, 'rest'],
    [{ pool: 'b', gpu: 'true', zone: 'z1' }, 'gpu'],
    [{ pool: 'b', zone: 'z1' }, 'zone1'],
    [{ gpu: 'true' }, 'gpu'],
    [{ pool: 'b' }, 'rest'],
    [{}, 'rest'],
  ])('%j goes to %s', (labels, owner) => {
    expect(owners(compiled, labels)).toEqual([owner]);
  });
});

describe('limits', () => {
  it('fails with a clear error when excluding higher-priority selectors needs too many terms', () => {
    const selector = (i: number) => `nodeSelector: { matchLabels: { a${i}: x, b${i}: x, c${i}: x } }`;
    const policies = [0, 1, 2, 3].map((i) => ({ name: `s${i}`, spec: [selector(i), `priority: ${i}`] }));
    // Validation refuses this set (reconciler/validate/validate.test.ts); compile still guards on its own.
    const selectors = fleetOf(policies);
    const withDefault = fleetOf([{ name: 'rest' }], { defaultPolicy: 'rest' });
    const set = { fleet: withDefault.fleet, policies: [...withDefault.policies, ...selectors.policies] };
    expect(() => compileFleet(set)).toThrow(PolicyError);
    expect(() => compileFleet(set)).toThrow(
      `policy "rest": excluding the nodes of selector policies s3, s2, s1, s0 takes 81 node affinity terms (at most ${MAX_AFFINITY_TERMS})`,
    );
  });

  it('warns about a selector policy that higher precedence leaves no node', () => {
    const set = fleetOf([
      { name: 'all', spec: ['nodeSelector: {}', 'priority: 2'] },
      { name: 'shadowed', spec: ['nodeSelector: { matchLabels: { x: y } }', 'priority: 1'] },
    ]);
    const compiled = compileFleet(set);
    const shadowed = compiled.policies.find((p) => p.policy.name === 'shadowed')!;
    expect(shadowed.empty).toBe(true);
    expect(nodeSelectorTermsMatch(shadowed.terms, { x: 'y' })).toBe(false);
    expect(compiled.warnings).toEqual([expect.stringContaining('policy "shadowed" can take no node')]);
  });
});

describe('sentinel', () => {
  it('uses /var/run/reboot-required by default, and only the command when a sentinel command is given', async () => {
    const set = await examplePolicySet();
    expect(set.policies.find((p) => p.name === 'gpu')?.reboot).toMatchObject({
      sentinelFile: '/var/run/reboot-required',
      sentinelCommand: null,
    });
    const { normalizePolicy } = await import('../../reconciler/validate/normalize.ts');
    const report = {
      error: (path: unknown, message: string) => {
        throw new Error(message);
      },
      warning: () => undefined,
    };
    const fleet = set.fleet;
    const install = defaultInstallSettings('0.1.0');
    const withSentinel = {
      ...install,
      commands: { ...install.commands, sentinel: { rhel: ['/usr/bin/needs-restarting', '-r'] } },
    };
    const written = {
      apiVersion: 'patchwindow.io/v1alpha1',
      kind: 'RebootPolicy',
      metadata: { name: 'rhel' },
      spec: {
        nodePools: ['rhel'],
        windows: [{ days: ['sun'], start: '01:00', end: '05:00' }],
        reboot: { sentinelCommand: 'rhel' },
      },
    } as const;
    const model = normalizePolicy(report, structuredClone(written) as never, {
      fleet,
      isDefault: false,
      install: withSentinel,
    });
    expect(model.reboot).toMatchObject({ sentinelFile: null, sentinelCommand: ['/usr/bin/needs-restarting', '-r'] });
    const compiled = compileFleet({ fleet, policies: [...set.policies, model] });
    const rendered = renderObjects(compiled)
      .map((r) => r.object)
      .find((o) => o.kind === 'DaemonSet' && o.metadata.name.endsWith('rhel'));
    const volumes = (
      rendered as unknown as { spec: { template: { spec: { volumes: { name: string }[] } } } }
    ).spec.template.spec.volumes.map((v) => v.name);
    expect(volumes).toEqual(['config', 'boot-id', 'tmp']);
  });
});
