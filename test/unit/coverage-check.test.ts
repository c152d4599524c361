// Coverage as a safety check: a one-character typo in poolLabel or nodePools must not pass silently.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCoverage } from '../../reconciler/plan/coverage-check.ts';
import { runCli } from '../helpers/cli.ts';
import { typoPolicies } from './typo-fixtures.ts';

describe('checkCoverage', () => {
  const nodes = [
    { name: 'a-1', labels: { pool: 'a' } },
    { name: 'b-1', labels: { pool: 'b' } },
  ];
  const pools = (...p: string[]) => ({ kind: 'pools' as const, pools: p });

  it('finds nothing when every policy and pool has nodes', () => {
    const input = {
      poolLabel: 'pool',
      defaultPolicy: null,
      nodes,
      policies: [{ name: 'a', membership: pools('a'), nodes: ['a-1'] }],
    };
    expect(checkCoverage(input)).toEqual([]);
  });

  it('finds nothing without nodes (nothing is known)', () => {
    expect(
      checkCoverage({
        poolLabel: 'pool',
        defaultPolicy: null,
        nodes: [],
        policies: [{ name: 'a', membership: pools('a'), nodes: [] }],
      }),
    ).toEqual([]);
  });

  it('names a pool on no node and the policy left without nodes', () => {
    const input = {
      poolLabel: 'pool',
      defaultPolicy: null,
      nodes,
      policies: [{ name: 'c', membership: pools('c'), nodes: [] }],
    };
    expect(checkCoverage(input).map((f) => f.kind)).toEqual(['pool-on-no-node', 'policy-no-node']);
  });

  it('says a nodePools typo sends the pool nodes to the default policy', () => {
    const input = {
      poolLabel: 'pool',
      defaultPolicy: 'general',
      nodes,
      policies: [
        { name: 'general', membership: { kind: 'default' as const, pools: [] }, nodes: ['a-1', 'b-1'] },
        { name: 'bee', membership: pools('bb'), nodes: [] },
      ],
    };
    const [first] = checkCoverage(input);
    expect(first).toMatchObject({
      kind: 'pool-to-default',
      policy: 'bee',
      pool: 'bb',
      nodes: ['b-1'],
      defaultPolicy: 'general',
    });
    expect(first!.message).toContain('did you mean "b"?');
  });
});

describe('patchwindow coverage with a typo (AKS, 11 nodes)', () => {
  let labelTypo: string;
  let poolTypo: string;
  beforeAll(async () => {
    labelTypo = await typoPolicies(
      'fleet.yaml',
      'poolLabel: kubernetes.azure.com/agentpool',
      'poolLabel: kubernetes.azure.com/agent-pool',
    );
    poolTypo = await typoPolicies('gpu.yaml', 'nodePools: [gpu]', 'nodePools: [gpuu]');
  });
  afterAll(async () => Promise.all([labelTypo, poolTypo].map((d) => rm(d, { recursive: true, force: true }))));

  it('a poolLabel typo exits 1 and names the label the nodes carry', async () => {
    const run = await runCli(['coverage', join(labelTypo, 'policies'), '--nodes', join(labelTypo, 'nodes.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'problem: no node has the label "kubernetes.azure.com/agent-pool" (the Fleet\'s poolLabel), so every node goes to the default policy "general"; did you mean "kubernetes.azure.com/agentpool" (the nodes\' pools are there)?',
    );
    expect(run.stdout).toContain(
      'problem: pool "gpu" is on no node, and 2 nodes that look like it (aks-gpu-0, aks-gpu-1) go to the default policy "general" instead',
    );
    expect(run.stdout).toContain('problem: policy "gpu" takes none of the 11 nodes');
    expect(run.stderr).toContain('--allow-empty');
    expect(
      (
        await runCli([
          'coverage',
          join(labelTypo, 'policies'),
          '--nodes',
          join(labelTypo, 'nodes.json'),
          '--allow-empty',
        ])
      ).code,
    ).toBe(0);
  });

  it('a nodePools typo exits 1 and suggests the pool', async () => {
    const run = await runCli([
      'coverage',
      join(poolTypo, 'policies'),
      '--nodes',
      join(poolTypo, 'nodes.json'),
      '--format',
      'json',
    ]);
    expect(run.code).toBe(1);
    const { findings } = JSON.parse(run.stdout) as { findings: { message: string }[] };
    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'pool-to-default',
        policy: 'gpu',
        pool: 'gpuu',
        nodes: ['aks-gpu-0', 'aks-gpu-1'],
      }),
      expect.objectContaining({ kind: 'policy-no-node', policy: 'gpu' }),
    ]);
    expect(findings[0]!.message).toContain('did you mean "gpu"?');
  });

  it('validate --nodes reports the typo at its line, offline', async () => {
    const run = await runCli(['validate', join(poolTypo, 'policies'), '--nodes', join(poolTypo, 'nodes.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/policies\/gpu\.yaml:\d+:\d+: error: spec\.nodePools\[0\]: pool "gpuu" is on no node/);
    expect((await runCli(['validate', join(poolTypo, 'policies')])).code).toBe(0);
  });
});
