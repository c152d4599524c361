// Reading `kubectl get nodes` output, and taints against tolerations.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../policy/errors.ts';
import { parseNodes, untoleratedTaints } from '../../reconciler/plan/nodes.ts';

const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  spec: { taints },
});

describe('parseNodes', () => {
  it('reads a v1 List as YAML', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Node\n    metadata:\n      name: a\n      labels: { pool: "no" }\n    spec:\n      taints: [{ key: gpu, value: "true", effect: NoSchedule }]\n';
    expect(parseNodes(text, 'nodes.yaml')).toEqual([
      { name: 'a', labels: { pool: 'no' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] },
    ]);
  });

  it('reads a NodeList and a single Node as JSON', () => {
    expect(
      parseNodes(JSON.stringify({ apiVersion: 'v1', kind: 'NodeList', items: [node('a'), node('b')] }), 'f').map(
        (n) => n.name,
      ),
    ).toEqual(['a', 'b']);
    expect(parseNodes(JSON.stringify(node('c', { x: 'y' })), 'f')).toEqual([
      { name: 'c', labels: { x: 'y' }, taints: [] },
    ]);
  });

  it.each([
    [
      'a Pod list',
      JSON.stringify({ kind: 'List', items: [{ kind: 'Pod', metadata: { name: 'p' } }] }),
      'f: items[0]: is not a Node (kind: Pod)',
    ],
    ['a Deployment', 'kind: Deployment\n', 'f: is neither a List of Nodes'],
    ['broken YAML', 'a: [\n', 'f: is not YAML or JSON'],
    ['a duplicate node', JSON.stringify({ kind: 'List', items: [node('a'), node('a')] }), 'f: node a appears twice'],
    [
      'a label that is not a string',
      JSON.stringify({ ...node('a'), metadata: { name: 'a', labels: { pool: 7 } } }),
      'f (node a): metadata.labels["pool"] is 7, not a string',
    ],
    [
      'a taint without effect',
      JSON.stringify({ ...node('a'), spec: { taints: [{ key: 'gpu' }] } }),
      'f (node a): spec.taints[0] is {"key":"gpu"}, not a taint',
    ],
  ])('refuses %s with a usage error', (_, text, message) => {
    expect(() => parseNodes(text, 'f')).toThrow(UsageError);
    expect(() => parseNodes(text, 'f')).toThrow(message);
  });
});

describe('untoleratedTaints', () => {
  const gpu = { key: 'gpu', value: 'true', effect: 'NoSchedule' as const };
  it('lets Exists without a key tolerate everything', () => {
    expect(untoleratedTaints([gpu], [{ operator: 'Exists' }])).toEqual([]);
  });
  it('matches Equal on key, value and effect', () => {
    expect(untoleratedTaints([gpu], [{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }])).toEqual(
      [],
    );
    expect(untoleratedTaints([gpu], [{ key: 'gpu', operator: 'Equal', value: 'false' }])).toEqual([gpu]);
    expect(untoleratedTaints([gpu], [{ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }])).toEqual([gpu]);
  });
  it('ignores PreferNoSchedule and the condition taints the DaemonSet controller tolerates itself', () => {
    expect(
      untoleratedTaints(
        [
          { key: 'x', effect: 'PreferNoSchedule' },
          { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
        ],
        [],
      ),
    ).toEqual([]);
  });
});
