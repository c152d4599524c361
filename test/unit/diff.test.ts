// Field-level diff of rendered objects.
import { describe, expect, it } from 'vitest';
import { diffObjects, diffValues, formatFieldPath } from '../../reconciler/plan/diff.ts';
import type { KubeObject } from '../../reconciler/render/objects.ts';

const obj = (kind: string, name: string, rest: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'ns' },
  ...rest,
});
const paths = (before: unknown, after: unknown) =>
  diffValues(before, after).map(
    (c) => `${formatFieldPath(c.path)}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`,
  );

describe('diffValues', () => {
  it('reports nothing for equal values, whatever the key order', () => {
    expect(diffValues({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('names added, removed and changed fields with their values', () => {
    expect(paths({ a: 1, b: 2, 'x/y': 'v' }, { a: 3, c: 4, 'x/y': 'w' })).toEqual([
      'a: 1 -> 3',
      'b: 2 -> undefined',
      'c: undefined -> 4',
      '["x/y"]: "v" -> "w"',
    ]);
  });

  it('matches named list items by name, other lists of maps by index, and treats lists of scalars as one value', () => {
    const before = {
      containers: [
        { name: 'agent', image: 'a:1' },
        { name: 'side', image: 's' },
      ],
      terms: [{ k: 1 }],
      values: ['a', 'b'],
    };
    const after = {
      containers: [
        { name: 'side', image: 's' },
        { name: 'agent', image: 'a:2' },
      ],
      terms: [{ k: 2 }, { k: 3 }],
      values: ['b'],
    };
    expect(paths(before, after)).toEqual([
      'containers[name=agent].image: "a:1" -> "a:2"',
      'terms[0].k: 1 -> 2',
      'terms[1]: undefined -> {"k":3}',
      'values: ["a","b"] -> ["b"]',
    ]);
  });

  it('compares a *.json string field as the JSON it holds', () => {
    const before = { data: { 'config.json': '{"policy":{"budget":1,"name":"p"}}' } };
    const after = { data: { 'config.json': '{"policy":{"name":"p","budget":2}}' } };
    expect(paths(before, after)).toEqual(['data["config.json"].policy.budget: 1 -> 2']);
  });
});

describe('diffObjects', () => {
  it('sorts objects into added, removed and changed by apiVersion, kind, namespace and name', () => {
    const before = [
      obj('ConfigMap', 'a', { data: { x: '1' } }),
      obj('ConfigMap', 'gone'),
      obj('ServiceAccount', 'same'),
    ];
    const after = [obj('ServiceAccount', 'same'), obj('ConfigMap', 'new'), obj('ConfigMap', 'a', { data: { x: '2' } })];
    const diff = diffObjects(before, after);
    expect(diff.added.map((o) => o.metadata.name)).toEqual(['new']);
    expect(diff.removed.map((o) => o.metadata.name)).toEqual(['gone']);
    expect(diff.changed.map((c) => [c.after.metadata.name, c.changes.map((x) => formatFieldPath(x.path))])).toEqual([
      ['a', ['data.x']],
    ]);
  });
});
