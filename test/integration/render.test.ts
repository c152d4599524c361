// The rendered objects on a real API server: the example passes server-side apply in dry-run (schema,
// defaulting, RBAC and affinity validation), and applied for real, the DaemonSet controller places
// agent pods on exactly the nodes `coverage` computes from the same objects.
import {
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { computeCoverage } from '../../reconciler/plan/coverage.ts';
import type { KubeObject } from '../../reconciler/render/objects.ts';
import { renderObjects } from '../../reconciler/render/render.ts';
import { validateSources } from '../../reconciler/validate/validate.ts';
import { type PolicySet } from '../../policy/model.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const objects = KubernetesObjectApi.makeApiClient(kc);
const core = kc.makeApiClient(CoreV1Api);
const NOW = Date.parse('2026-11-24T12:00:00Z');
const WAIT = { timeout: 60_000, interval: 250 };

function checked(files: { file: string; text: string }[]): PolicySet {
  const result = validateSources(files, { nowMs: NOW });
  if (!result.policySet) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.message}`).join('\n'));
  return result.policySet;
}

function apply(object: KubeObject, dryRun: boolean): Promise<KubernetesObject> {
  return objects.patch(
    structuredClone(object),
    undefined,
    dryRun ? 'All' : undefined,
    'patchwindow-render-test',
    true,
    PatchStrategy.ServerSideApply,
  );
}

describe('the example, server-side dry-run', () => {
  let namespace: string;
  let rendered: KubeObject[];

  beforeAll(async () => {
    // The namespace must exist for its objects to be dry-run; give the fleet a fresh one.
    namespace = await cluster.createNamespace('render');
    const names = ['fleet.yaml', 'general.yaml', 'gpu.yaml', 'system.yaml'];
    const files = await Promise.all(
      names.map(async (n) => ({ file: n, text: await readFile(`policies-example/${n}`, 'utf8') })),
    );
    files[0]!.text = files[0]!.text.replace('namespace: patchwindow', `namespace: ${namespace}`);
    rendered = renderObjects(compileFleet(checked(files))).map((r) => r.object);
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace });
  });

  it('is accepted object by object, with nothing dropped or changed by the server', async () => {
    for (const object of rendered) {
      const answer = (await apply(object, true)) as unknown as Record<string, unknown>;
      expect(answer.kind).toBe(object.kind);
      if (object.kind === 'DaemonSet') {
        const sent = (object.spec as { template: { spec: unknown } }).template.spec as Record<string, unknown>;
        const got = (answer.spec as { template: { spec: Record<string, unknown> } }).template.spec;
        expect(got.affinity).toEqual(sent.affinity);
        expect(got.tolerations).toEqual(sent.tolerations);
        expect(got.hostPID).toBe(true);
      }
      if (object.kind === 'ConfigMap') expect(answer.data).toEqual(object.data);
    }
  });
});

describe('a fleet applied for real', () => {
  const poolLabel = `render.patchwindow.dev/${uniqueName('pool')}`;
  const fleet = uniqueName('render');
  let namespace: string;
  const nodes = ['a-1', 'a-2', 'b-1', 'sel-1', 'sel-b-1', 'none-1'].map((n) => uniqueName(n));
  let rendered: KubeObject[];

  beforeAll(async () => {
    namespace = uniqueName('render');
    // No default policy: it would take every other node of the shared cluster.
    const policy = (name: string, membership: string) =>
      `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: ${name} }\nspec:\n  ${membership}\n  windows: [{ days: [sat], start: "01:00", end: "05:00" }]\n`;
    const set = checked([
      {
        file: 'fleet.yaml',
        text: `apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: ${fleet} }\nspec:\n  namespace: ${namespace}\n  poolLabel: ${poolLabel}\n`,
      },
      { file: 'a.yaml', text: policy('a', 'nodePools: [a]') },
      { file: 'b.yaml', text: policy('b', 'nodePools: [b]') },
      {
        file: 'sel.yaml',
        text: policy('sel', `nodeSelector: { matchExpressions: [{ key: ${poolLabel}-sel, operator: Exists }] }`),
      },
    ]);
    rendered = renderObjects(compileFleet(set)).map((r) => r.object);
    const [a1, a2, b1, sel1, selB1, none1] = nodes as [string, string, string, string, string, string];
    await cluster.createNodes([
      { name: a1, labels: { [poolLabel]: 'a' } },
      { name: a2, labels: { [poolLabel]: 'a' }, taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] },
      { name: b1, labels: { [poolLabel]: 'b' } },
      { name: sel1, labels: { [poolLabel]: 'c', [`${poolLabel}-sel`]: 'yes' } },
      // Named pools win over selectors.
      { name: selB1, labels: { [poolLabel]: 'b', [`${poolLabel}-sel`]: 'yes' } },
      { name: none1, labels: { [poolLabel]: 'c' } },
    ]);
    for (const object of rendered) await apply(object, false);
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace });
    for (const o of rendered.filter((x) => !x.metadata.namespace && x.kind !== 'Namespace')) await objects.delete(o);
    await cluster.deleteNodes(nodes);
  });

  it('runs one agent on each node coverage assigns, and none elsewhere', async () => {
    const listed = await core.listNode();
    const clusterNodes = listed.items
      .filter((n) => nodes.includes(n.metadata!.name!))
      .map((n) => ({
        name: n.metadata!.name!,
        labels: n.metadata!.labels ?? {},
        taints: (n.spec?.taints ?? []) as { key: string; effect: 'NoSchedule' }[],
      }));
    const expected = computeCoverage(rendered, clusterNodes).nodes.map(
      (n) => [n.node, n.daemonSets.map((d) => d.name)] as const,
    );
    const [a1, a2, b1, sel1, selB1, none1] = nodes as [string, string, string, string, string, string];
    const intended: Record<string, string[]> = {
      [a1]: ['patchwindow-agent-a'],
      [a2]: ['patchwindow-agent-a'],
      [b1]: ['patchwindow-agent-b'],
      [sel1]: ['patchwindow-agent-sel'],
      [selB1]: ['patchwindow-agent-b'],
      [none1]: [],
    };
    expect(Object.fromEntries(expected)).toEqual(intended);
    const placed = async () => {
      // The coordinator's Deployment, rendered beside the agents, schedules its pod on any node; coverage
      // is about the agents' DaemonSets, so leave out exactly the pods of the coordinator's ReplicaSet.
      const pods: V1Pod[] = (await core.listNamespacedPod({ namespace })).items.filter(
        (p) =>
          !(
            p.metadata?.ownerReferences?.[0]?.kind === 'ReplicaSet' &&
            p.metadata.ownerReferences[0].name.startsWith('patchwindow-coordinator-')
          ),
      );
      return [...nodes]
        .sort()
        .map(
          (node) =>
            [
              node,
              pods.filter((p) => p.spec?.nodeName === node).map((p) => p.metadata?.ownerReferences?.[0]?.name ?? '?'),
            ] as const,
        );
    };
    await expect.poll(placed, WAIT).toEqual(expected);
  });
});
