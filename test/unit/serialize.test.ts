// Deterministic YAML: sorted keys with apiVersion/kind/metadata first, YAML 1.1-safe quoting, no
// anchors, no folding, comments where asked.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { canonicalJson, sortKeys, toYaml, toYamlStream } from '../../reconciler/render/serialize.ts';

describe('sortKeys', () => {
  it('puts apiVersion, kind, metadata first at the top and sorts every other map', () => {
    const sorted = sortKeys({
      spec: { b: 1, a: 2 },
      metadata: { name: 'x', labels: { z: '1', a: '2' } },
      kind: 'K',
      apiVersion: 'v1',
      data: {},
    });
    expect(JSON.stringify(sorted)).toBe(
      '{"apiVersion":"v1","kind":"K","metadata":{"labels":{"a":"2","z":"1"},"name":"x"},"data":{},"spec":{"a":2,"b":1}}',
    );
  });

  it('keeps list order and drops undefined fields', () => {
    expect(sortKeys({ list: [3, 1, 2], gone: undefined })).toEqual({ list: [3, 1, 2] });
  });
});

describe('toYaml', () => {
  it('quotes strings that YAML 1.1 readers would take for booleans, numbers or sexagesimals', () => {
    const text = toYaml({
      a: 'yes',
      b: 'on',
      c: 'no',
      d: 'off',
      e: 'y',
      f: '0755',
      g: '1:30',
      h: '1e3',
      i: 'null',
      j: '',
    });
    const reread = parse(text, { version: '1.1' }) as Record<string, unknown>;
    expect(reread).toEqual({
      a: 'yes',
      b: 'on',
      c: 'no',
      d: 'off',
      e: 'y',
      f: '0755',
      g: '1:30',
      h: '1e3',
      i: 'null',
      j: '',
    });
  });

  it('writes an object used twice in full both times, without anchors', () => {
    const shared = { operator: 'Exists' };
    const text = toYaml({ a: [shared], b: [shared] });
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text).toBe('a:\n  - operator: Exists\nb:\n  - operator: Exists\n');
  });

  it('never folds long lines and keeps multi-line strings as literal blocks', () => {
    const long = 'x'.repeat(300);
    expect(toYaml({ long })).toBe(`long: ${long}\n`);
    expect(toYaml({ 'config.json': '{\n  "a": 1\n}\n' })).toBe('config.json: |\n  {\n    "a": 1\n  }\n');
  });

  it('writes comments above keys and list items, wrapped', () => {
    const text = toYaml({ spec: { hostPID: true, volumes: [{ name: 'a' }, { name: 'b' }] } }, [
      { path: ['spec', 'hostPID'], text: 'why' },
      { path: ['spec', 'volumes', 1], text: 'second volume' },
    ]);
    expect(text).toBe(
      'spec:\n  # why\n  hostPID: true\n  volumes:\n    - name: a\n    # second volume\n    - name: b\n',
    );
  });

  it('refuses a comment on a field that does not exist, so render bugs surface', () => {
    expect(() => toYaml({ a: 1 }, [{ path: ['b'], text: 'x' }])).toThrow('no key b');
  });

  it('is the same text for the same value', () => {
    const value = { kind: 'K', apiVersion: 'v1', metadata: { name: 'node' }, spec: { z: [1, { b: 2, a: 1 }] } };
    expect(toYaml(value)).toBe(toYaml(JSON.parse(JSON.stringify(value))));
    expect(toYaml(value)).toBe(
      'apiVersion: v1\nkind: K\nmetadata:\n  name: node\nspec:\n  z:\n    - 1\n    - a: 1\n      b: 2\n',
    );
  });
});

describe('streams and JSON', () => {
  it('starts each document with ---', () => {
    expect(toYamlStream(['a: 1\n', 'b: 2\n'])).toBe('---\na: 1\n---\nb: 2\n');
  });

  it('writes canonical JSON with sorted keys and a final newline', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe(
      '{\n  "a": {\n    "c": 2,\n    "d": 1\n  },\n  "b": 1\n}\n',
    );
  });
});
