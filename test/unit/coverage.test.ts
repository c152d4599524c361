// coverage: which DaemonSet runs on each node, evaluated from the rendered objects.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { computeCoverage } from '../../reconciler/plan/coverage.ts';
import type { ClusterNode } from '../../reconciler/plan/nodes.ts';
import { renderObjects } from '../../reconciler/render/render.ts';
import type { PolicySet } from '../../policy/model.ts';
import { runCli } from '../helpers/cli.ts';
import { examplePolicySet, fleetOf } from './render-fixtures.ts';

const POOL = 'kubernetes.azure.com/agentpool';
const daemonSetsOf = (set: PolicySet) => renderObjects(compileFleet(set)).map((r) => r.object);
const node = (name: string, labels: Record<string, string>, taints: ClusterNode['taints'] = []): ClusterNode => ({
  name,
  labels,
  taints,
});

describe('computeCoverage', () => {
  it('finds the one DaemonSet of every node of the example', async () => {
    const report = computeCoverage(daemonSetsOf(await examplePolicySet()), [
      node('gpu-1', { [POOL]: 'gpu' }),
      node('sys-1', { [POOL]: 'system' }, [{ key: 'CriticalAddonsOnly', value: 'true', effect: 'NoSchedule' }]),
      node('bare', {}),
    ]);
    expect(report.nodes.map((n) => [n.node, n.daemonSets.map((d) => d.name)])).toEqual([
      ['bare', ['patchwindow-agent-general']],
      ['gpu-1', ['patchwindow-agent-gpu']],
      ['sys-1', ['patchwindow-agent-system']],
    ]);
    expect(report.uncovered).toEqual([]);
    expect(report.doubleCovered).toEqual([]);
  });

  it('reports nodes no DaemonSet selects and nodes two DaemonSets select', () => {
    const one = daemonSetsOf(fleetOf([{ name: 'a', spec: ['nodePools: [a]'] }]));
    // A second, overlapping render (another fleet in another namespace taking pool a and b).
    const other = daemonSetsOf(fleetOf([{ name: 'ab', spec: ['nodePools: [a, b]'] }], { extra: ['namespace: other'] }));
    const report = computeCoverage(
      [...one, ...other],
      [node('n-a', { pool: 'a' }), node('n-b', { pool: 'b' }), node('n-c', { pool: 'c' })],
    );
    expect(report.uncovered).toEqual(['n-c']);
    expect(report.doubleCovered).toEqual(['n-a']);
    expect(report.nodes.find((n) => n.node === 'n-a')!.daemonSets.map((d) => `${d.namespace}/${d.name}`)).toEqual([
      'patchwindow/patchwindow-agent-a',
      'other/patchwindow-agent-ab',
    ]);
  });

  it('counts a node as uncovered when its taints keep the selected DaemonSet off', () => {
    const set = fleetOf([{ name: 'a', spec: ['nodePools: [a]'] }], {
      extra: ['agent: { tolerations: [{ key: dedicated, operator: Exists }] }'],
    });
    const taint = { key: 'gpu', effect: 'NoSchedule' as const };
    const report = computeCoverage(daemonSetsOf(set), [
      node('tainted', { pool: 'a' }, [taint]),
      node('dedicated', { pool: 'a' }, [{ key: 'dedicated', effect: 'NoExecute' }]),
    ]);
    expect(report.uncovered).toEqual(['tainted']);
    expect(report.nodes.find((n) => n.node === 'tainted')!.keptOffBy).toEqual([
      { daemonSet: { namespace: 'patchwindow', name: 'patchwindow-agent-a', policy: 'a' }, taints: [taint] },
    ]);
  });
});

describe('patchwindow coverage', () => {
  let dir: string;
  const nodeList = (nodes: { name: string; labels: Record<string, string> }[]) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: nodes.map((n) => ({ apiVersion: 'v1', kind: 'Node', metadata: n })),
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-coverage-'));
    await writeFile(
      join(dir, 'nodes.json'),
      nodeList([
        { name: 'gpu-1', labels: { [POOL]: 'gpu' } },
        { name: 'other', labels: { [POOL]: 'batch' } },
      ]),
    );
    await writeFile(
      join(dir, 'fleet.yaml'),
      `apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: f }\nspec: { poolLabel: ${POOL} }\n---\napiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: gpu }\nspec:\n  nodePools: [gpu]\n  windows: [{ days: [sat], start: "01:00", end: "05:00" }]\n`,
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('prints a table and exits 0 when every node has exactly one agent', async () => {
    // The example's pools system, spot and gpuv5 have no node here: --allow-empty accepts that.
    const run = await runCli(['coverage', 'policies-example', '--nodes', join(dir, 'nodes.json'), '--allow-empty']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'NODE   POLICY   DAEMONSET                  PROBLEM',
        'gpu-1  gpu      patchwindow-agent-gpu',
        'other  general  patchwindow-agent-general',
        '',
        '2 nodes: 2 covered once, 0 uncovered, 0 covered twice',
        'problem: pool "general" is on no node (no node has kubernetes.azure.com/agentpool=general)',
        'problem: pool "spot" is on no node (no node has kubernetes.azure.com/agentpool=spot)',
        'problem: pool "gpuv5" is on no node (no node has kubernetes.azure.com/agentpool=gpuv5)',
        'problem: pool "system" is on no node (no node has kubernetes.azure.com/agentpool=system)',
        'problem: policy "system" takes none of the 2 nodes: its DaemonSet runs no agent',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 for uncovered nodes unless --allow-uncovered', async () => {
    const run = await runCli(['coverage', join(dir, 'fleet.yaml'), '--nodes', join(dir, 'nodes.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('other  -       -                      uncovered: no DaemonSet selects it');
    expect(run.stderr).toContain('1 node(s) have no agent: other');
    expect(
      (await runCli(['coverage', join(dir, 'fleet.yaml'), '--nodes', join(dir, 'nodes.json'), '--allow-uncovered']))
        .code,
    ).toBe(0);
  });

  it('prints JSON for tools', async () => {
    const run = await runCli([
      'coverage',
      join(dir, 'fleet.yaml'),
      '--nodes',
      join(dir, 'nodes.json'),
      '--format',
      'json',
      '--allow-uncovered',
    ]);
    expect(JSON.parse(run.stdout)).toEqual({
      findings: [],
      nodes: [
        {
          name: 'gpu-1',
          policy: 'gpu',
          daemonSets: [{ namespace: 'patchwindow', name: 'patchwindow-agent-gpu', policy: 'gpu' }],
          keptOffBy: [],
        },
        { name: 'other', policy: null, daemonSets: [], keptOffBy: [] },
      ],
      uncovered: ['other'],
      doubleCovered: [],
    });
  });

  it('exits 2 when the nodes file is missing or not a node list', async () => {
    expect((await runCli(['coverage', 'policies-example', '--nodes', join(dir, 'missing.yaml')])).stderr).toContain(
      'no such file',
    );
    expect((await runCli(['coverage', 'policies-example', '--nodes', join(dir, 'missing.yaml')])).code).toBe(2);
    expect((await runCli(['coverage', 'policies-example', '--nodes', join(dir, 'fleet.yaml')])).code).toBe(2);
  });
});
