// One run of `validate` reports every problem: a field the schema refuses (`days: mon,tue`, a
// string where a list belongs) must not hide the problems of the other fields. So the refused
// fields are cut out of a copy of the document and the rest is normalized and checked as usual.
// Cuts happen at mapping keys only — removing a list item would shift the indexes, and so the
// reported positions, of the items after it — and a cut that leaves a required field missing cuts
// its parent too, up to the few required fields normalize does without.
import type { FieldPath } from '../../policy/diagnostics.ts';
import { schemaProblems, type SchemaProblem } from '../../policy/schema.ts';

type Kind = 'Fleet' | 'RebootPolicy';

/** Required fields whose absence normalize tolerates (it checks the rest without them). */
const TOLERATED: Readonly<Record<Kind, readonly string[]>> = {
  Fleet: ['spec/poolLabel'],
  RebootPolicy: ['spec/windows'],
};

/** Rounds of cutting; each cuts at least one level higher, and documents are at most 64 deep. */
const MAX_ROUNDS = 70;

function tolerated(kind: Kind, p: SchemaProblem): boolean {
  return p.missing !== undefined && TOLERATED[kind].includes([...p.path, p.missing].join('/'));
}

/** The nearest path at or above `path` that ends in a mapping key; undefined for the document itself. */
function cutPoint(path: FieldPath): FieldPath | undefined {
  let end = path.length;
  while (end > 0 && typeof path[end - 1] !== 'string') end--;
  return end === 0 ? undefined : path.slice(0, end);
}

function cut(value: unknown, path: FieldPath): void {
  let parent: unknown = value;
  for (const part of path.slice(0, -1)) parent = (parent as Record<string | number, unknown> | undefined)?.[part];
  if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[path.at(-1) as string];
}

/**
 * A copy of `value` without the fields behind `problems` (the schema's findings), valid enough to
 * normalize; undefined when only the whole document would do (its kind, metadata or spec is bad).
 */
export function withoutBadFields(kind: Kind, value: unknown, problems: readonly SchemaProblem[]): unknown {
  const copy = structuredClone(value);
  let pending = problems;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const open = pending.filter((p) => !tolerated(kind, p));
    if (open.length === 0) return copy;
    for (const p of open) {
      const at = cutPoint(p.path);
      // A missing field of the document itself, or a cut of metadata or spec: nothing left to check.
      if (at === undefined || (p.missing !== undefined && at.length === 1 && p.path.length === 1)) return undefined;
      cut(copy, at);
    }
    pending = schemaProblems(kind, copy);
  }
  return undefined;
}
