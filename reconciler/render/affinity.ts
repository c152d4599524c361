// Boolean algebra over node affinity: sets of nodes as a disjunction of terms (the scheduler's
// nodeSelectorTerms: terms ORed, requirements ANDed). Compile builds each policy's share of the fleet
// with `and`, `or` and `not` and renders the result; this module keeps the terms few and exact:
// every term is reduced to one canonical constraint per label key, terms that can match no node are
// dropped, and terms implied by another term are absorbed. Semantics are those of
// policy/labels.ts (NotIn and DoesNotExist match nodes without the key), so a complement is exact.
import type { LabelSelector, NodeSelectorRequirement, NodeSelectorTerm } from '../../policy/model.ts';
import { compareText } from '../../policy/diagnostics.ts';

/** What one term requires of one label key. */
type KeyConstraint =
  | { readonly kind: 'absent' }
  | { readonly kind: 'in'; readonly values: ReadonlySet<string> }
  /** Not one of `notIn`; `exists` additionally requires the key. Without both it is no constraint. */
  | { readonly kind: 'notIn'; readonly exists: boolean; readonly notIn: ReadonlySet<string> };

/** A conjunction: every key's constraint holds. The empty map matches every node. */
export type Term = ReadonlyMap<string, KeyConstraint>;

/** A disjunction of terms. The empty list matches no node. */
export type NodeSet = readonly Term[];

/** Every node. */
export const ALL_NODES: NodeSet = [new Map()];

/** No node. */
export const NO_NODES: NodeSet = [];

function intersect(a: KeyConstraint, b: KeyConstraint): KeyConstraint | undefined {
  if (a.kind === 'absent' || b.kind === 'absent') {
    const other = a.kind === 'absent' ? b : a;
    if (other.kind === 'absent') return other;
    if (other.kind === 'in' || other.exists) return undefined;
    return { kind: 'absent' };
  }
  if (a.kind === 'in' || b.kind === 'in') {
    const [inC, other] = a.kind === 'in' ? [a, b] : [b as Extract<KeyConstraint, { kind: 'in' }>, a];
    const values = new Set(
      [...inC.values].filter((v) => (other.kind === 'in' ? other.values.has(v) : !other.notIn.has(v))),
    );
    return values.size === 0 ? undefined : { kind: 'in', values };
  }
  return { kind: 'notIn', exists: a.exists || b.exists, notIn: new Set([...a.notIn, ...b.notIn]) };
}

function isTrivial(c: KeyConstraint): boolean {
  return c.kind === 'notIn' && !c.exists && c.notIn.size === 0;
}

/** The conjunction of two terms, or undefined when no node can match both. */
function andTerms(a: Term, b: Term): Term | undefined {
  const out = new Map(a);
  for (const [key, c] of b) {
    const prev = out.get(key);
    const merged = prev === undefined ? c : intersect(prev, c);
    if (merged === undefined) return undefined;
    if (isTrivial(merged)) out.delete(key);
    else out.set(key, merged);
  }
  return out;
}

/** Whether every node satisfying `b` satisfies `a` (for one key). */
function constraintImplies(b: KeyConstraint | undefined, a: KeyConstraint): boolean {
  if (b === undefined) return isTrivial(a);
  switch (a.kind) {
    case 'absent':
      return b.kind === 'absent';
    case 'in':
      return b.kind === 'in' && [...b.values].every((v) => a.values.has(v));
    case 'notIn':
      if (b.kind === 'absent') return !a.exists;
      if (b.kind === 'in') return [...b.values].every((v) => !a.notIn.has(v));
      return (b.exists || !a.exists) && [...a.notIn].every((v) => b.notIn.has(v));
  }
}

/** Whether term `b` matches only nodes that term `a` matches too. */
function termImplies(b: Term, a: Term): boolean {
  for (const [key, c] of a) if (!constraintImplies(b.get(key), c)) return false;
  return true;
}

/** Drops terms implied by another (keeping the first of equal ones); order otherwise kept. */
function absorb(terms: readonly Term[]): NodeSet {
  return terms.filter(
    (t, i) => !terms.some((other, j) => j !== i && termImplies(t, other) && (j < i || !termImplies(other, t))),
  );
}

export function or(...sets: readonly NodeSet[]): NodeSet {
  return absorb(sets.flat());
}

/** The intersection; the product of the terms, simplified. */
export function and(a: NodeSet, b: NodeSet): NodeSet {
  const out: Term[] = [];
  for (const x of a) {
    for (const y of b) {
      const t = andTerms(x, y);
      if (t !== undefined) out.push(t);
    }
  }
  return absorb(out);
}

function requirementTerm(r: NodeSelectorRequirement): Term {
  const values = new Set(r.values ?? []);
  const c: KeyConstraint =
    r.operator === 'In'
      ? { kind: 'in', values }
      : r.operator === 'NotIn'
        ? { kind: 'notIn', exists: false, notIn: values }
        : r.operator === 'Exists'
          ? { kind: 'notIn', exists: true, notIn: new Set() }
          : { kind: 'absent' };
  return isTrivial(c) ? new Map() : new Map([[r.key, c]]);
}

/** The nodes a requirement matches. */
export function requirement(r: NodeSelectorRequirement): NodeSet {
  if (r.operator === 'In' && (r.values ?? []).length === 0) return NO_NODES;
  return [requirementTerm(r)];
}

/** The complement of one requirement: exact, since NotIn and DoesNotExist match nodes without the key. */
function negateRequirement(r: NodeSelectorRequirement): NodeSelectorRequirement {
  const opposite = { In: 'NotIn', NotIn: 'In', Exists: 'DoesNotExist', DoesNotExist: 'Exists' } as const;
  return r.values === undefined
    ? { key: r.key, operator: opposite[r.operator] }
    : { key: r.key, operator: opposite[r.operator], values: r.values };
}

/** A LabelSelector's requirements, matchLabels first (each `k In [v]`). */
function selectorRequirements(selector: LabelSelector): NodeSelectorRequirement[] {
  const fromLabels = Object.entries(selector.matchLabels ?? {}).map(([key, v]): NodeSelectorRequirement => ({
    key,
    operator: 'In',
    values: [v],
  }));
  return [...fromLabels, ...(selector.matchExpressions ?? [])];
}

/** The nodes whose labels match a LabelSelector (the empty selector matches every node). */
export function selectorNodes(selector: LabelSelector): NodeSet {
  return selectorRequirements(selector).reduce<NodeSet>((acc, r) => and(acc, requirement(r)), ALL_NODES);
}

/** The nodes a LabelSelector does not match: one term per requirement (De Morgan). */
export function notSelectorNodes(selector: LabelSelector): NodeSet {
  return or(...selectorRequirements(selector).map((r) => requirement(negateRequirement(r))));
}

function sorted(values: ReadonlySet<string>): string[] {
  return [...values].sort(compareText);
}

/** A term as API requirements, keys sorted; the empty term has none. */
function termRequirements(term: Term): NodeSelectorRequirement[] {
  const out: NodeSelectorRequirement[] = [];
  for (const key of [...term.keys()].sort(compareText)) {
    const c = term.get(key)!;
    if (c.kind === 'absent') out.push({ key, operator: 'DoesNotExist' });
    else if (c.kind === 'in') out.push({ key, operator: 'In', values: sorted(c.values) });
    else {
      if (c.exists) out.push({ key, operator: 'Exists' });
      if (c.notIn.size > 0) out.push({ key, operator: 'NotIn', values: sorted(c.notIn) });
    }
  }
  return out;
}

/**
 * The set as nodeSelectorTerms. The API needs at least one term and the scheduler matches no node
 * with an empty term, so "every node" becomes `key Exists` OR `key DoesNotExist`, and "no node"
 * the single term `key Exists AND key DoesNotExist`, both on `anyKey` (the fleet's pool label).
 */
export function toNodeSelectorTerms(set: NodeSet, anyKey: string): NodeSelectorTerm[] {
  if (set.length === 0) {
    return [
      {
        matchExpressions: [
          { key: anyKey, operator: 'Exists' },
          { key: anyKey, operator: 'DoesNotExist' },
        ],
      },
    ];
  }
  if (set.some((t) => t.size === 0)) {
    return [
      { matchExpressions: [{ key: anyKey, operator: 'Exists' }] },
      { matchExpressions: [{ key: anyKey, operator: 'DoesNotExist' }] },
    ];
  }
  return set.map((t) => ({ matchExpressions: termRequirements(t) }));
}
