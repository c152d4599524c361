// The node-set algebra behind compile: exact complements, contradictions dropped, implied terms absorbed.
import { describe, expect, it } from 'vitest';
import {
  ALL_NODES,
  and,
  NO_NODES,
  notSelectorNodes,
  or,
  requirement,
  selectorNodes,
  toNodeSelectorTerms,
} from '../../reconciler/render/affinity.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { LabelSelector } from '../../policy/model.ts';

const terms = (set: Parameters<typeof toNodeSelectorTerms>[0]) => toNodeSelectorTerms(set, 'pool');
const matches = (set: Parameters<typeof toNodeSelectorTerms>[0], labels: Record<string, string>) =>
  nodeSelectorTermsMatch(terms(set), labels);

describe('node sets as nodeSelectorTerms', () => {
  it('writes "every node" as pool Exists OR pool DoesNotExist, since an empty term matches nothing', () => {
    expect(terms(ALL_NODES)).toEqual([
      { matchExpressions: [{ key: 'pool', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'pool', operator: 'DoesNotExist' }] },
    ]);
    expect(matches(ALL_NODES, {})).toBe(true);
    expect(matches(ALL_NODES, { pool: 'a' })).toBe(true);
  });

  it('writes "no node" as one contradictory term (the API needs at least one)', () => {
    expect(terms(NO_NODES)).toEqual([
      {
        matchExpressions: [
          { key: 'pool', operator: 'Exists' },
          { key: 'pool', operator: 'DoesNotExist' },
        ],
      },
    ]);
    expect(matches(NO_NODES, {})).toBe(false);
    expect(matches(NO_NODES, { pool: 'a' })).toBe(false);
  });

  it('sorts keys and values', () => {
    const set = and(
      requirement({ key: 'zone', operator: 'In', values: ['b', 'a'] }),
      requirement({ key: 'pool', operator: 'NotIn', values: ['y', 'x'] }),
    );
    expect(terms(set)).toEqual([
      {
        matchExpressions: [
          { key: 'pool', operator: 'NotIn', values: ['x', 'y'] },
          { key: 'zone', operator: 'In', values: ['a', 'b'] },
        ],
      },
    ]);
  });
});

describe('and', () => {
  it('intersects In with In and with NotIn on the same key', () => {
    const set = and(
      and(
        requirement({ key: 'pool', operator: 'In', values: ['a', 'b', 'c'] }),
        requirement({ key: 'pool', operator: 'In', values: ['b', 'c', 'd'] }),
      ),
      requirement({ key: 'pool', operator: 'NotIn', values: ['c'] }),
    );
    expect(terms(set)).toEqual([{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['b'] }] }]);
  });

  it('drops contradictions: In vs DoesNotExist, Exists vs DoesNotExist, disjoint In', () => {
    expect(
      and(
        requirement({ key: 'k', operator: 'In', values: ['a'] }),
        requirement({ key: 'k', operator: 'DoesNotExist' }),
      ),
    ).toEqual([]);
    expect(
      and(requirement({ key: 'k', operator: 'Exists' }), requirement({ key: 'k', operator: 'DoesNotExist' })),
    ).toEqual([]);
    expect(
      and(
        requirement({ key: 'k', operator: 'In', values: ['a'] }),
        requirement({ key: 'k', operator: 'In', values: ['b'] }),
      ),
    ).toEqual([]);
    expect(
      and(
        requirement({ key: 'k', operator: 'In', values: ['a'] }),
        requirement({ key: 'k', operator: 'NotIn', values: ['a'] }),
      ),
    ).toEqual([]);
  });

  it('keeps NotIn together with DoesNotExist as DoesNotExist', () => {
    const set = and(
      requirement({ key: 'k', operator: 'NotIn', values: ['a'] }),
      requirement({ key: 'k', operator: 'DoesNotExist' }),
    );
    expect(terms(set)).toEqual([{ matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] }]);
  });

  it('keeps Exists and NotIn both, since NotIn alone matches nodes without the key', () => {
    const set = and(
      requirement({ key: 'k', operator: 'Exists' }),
      requirement({ key: 'k', operator: 'NotIn', values: ['a'] }),
    );
    expect(terms(set)).toEqual([
      {
        matchExpressions: [
          { key: 'k', operator: 'Exists' },
          { key: 'k', operator: 'NotIn', values: ['a'] },
        ],
      },
    ]);
    expect(matches(set, {})).toBe(false);
    expect(matches(set, { k: 'b' })).toBe(true);
  });
});

describe('or', () => {
  it('absorbs a term implied by another, and duplicates', () => {
    const wide = requirement({ key: 'k', operator: 'In', values: ['a', 'b'] });
    const narrow = and(
      requirement({ key: 'k', operator: 'In', values: ['a'] }),
      requirement({ key: 'z', operator: 'Exists' }),
    );
    expect(terms(or(narrow, wide, wide))).toEqual([
      { matchExpressions: [{ key: 'k', operator: 'In', values: ['a', 'b'] }] },
    ]);
  });

  it('sees DoesNotExist as implying NotIn', () => {
    const set = or(
      requirement({ key: 'k', operator: 'DoesNotExist' }),
      requirement({ key: 'k', operator: 'NotIn', values: ['a'] }),
    );
    expect(terms(set)).toEqual([{ matchExpressions: [{ key: 'k', operator: 'NotIn', values: ['a'] }] }]);
  });
});

describe('selectors', () => {
  const selector: LabelSelector = {
    matchLabels: { tier: 'gpu' },
    matchExpressions: [
      { key: 'zone', operator: 'NotIn', values: ['z1'] },
      { key: 'spot', operator: 'Exists' },
    ],
  };
  const cases: Record<string, string>[] = [
    {},
    { tier: 'gpu' },
    { tier: 'gpu', spot: '1' },
    { tier: 'gpu', spot: '1', zone: 'z1' },
    { tier: 'gpu', spot: '', zone: 'z2' },
    { tier: 'cpu', spot: '1' },
  ];

  it.each(cases)('the selector and its complement split %j exactly', (labels) => {
    const inside = matches(selectorNodes(selector), labels);
    const outside = matches(notSelectorNodes(selector), labels);
    expect(inside).not.toBe(outside);
  });

  it('the empty selector is every node and its complement no node', () => {
    expect(selectorNodes({})).toEqual(ALL_NODES);
    expect(notSelectorNodes({})).toEqual(NO_NODES);
  });
});
