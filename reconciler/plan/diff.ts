// Field-level differences between two renders: which objects were added or removed, and for each
// changed object the fields that changed. Lists of named items (containers, env, volumes) are
// matched by name, other lists of mappings by index; lists of scalars count as one value. A string
// field whose key ends in `.json` (the ConfigMap's config.json) is compared as the JSON it holds.
import { compareText } from '../../policy/diagnostics.ts';
import { objectKey, type KubeObject } from '../render/objects.ts';
import { canonicalEqual } from '../render/serialize.ts';

/** One step of a field path: a map key, a list index, or a list item found by its `name`. */
export type PathSegment = { readonly key: string } | { readonly index: number } | { readonly name: string };

export interface FieldChange {
  readonly path: readonly PathSegment[];
  /** Absent when the field was added. */
  readonly before?: unknown;
  /** Absent when the field was removed. */
  readonly after?: unknown;
}

export interface ChangedObject {
  readonly before: KubeObject;
  readonly after: KubeObject;
  readonly changes: readonly FieldChange[];
}

export interface ObjectDiff {
  readonly added: readonly KubeObject[];
  readonly removed: readonly KubeObject[];
  readonly changed: readonly ChangedObject[];
}

/** `spec.template.spec.containers[name=agent].image`, `metadata.labels["a/b"]`, `rules[0]`. */
export function formatFieldPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const s of path) {
    if ('index' in s) out += `[${s.index}]`;
    else if ('name' in s) out += `[name=${s.name}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.key)) out += out.length === 0 ? s.key : `.${s.key}`;
    else out += `[${JSON.stringify(s.key)}]`;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Items all mappings with distinct string `name`s: matched by name. */
function namedItems(list: readonly unknown[]): Map<string, unknown> | undefined {
  const out = new Map<string, unknown>();
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== 'string' || out.has(item.name)) return undefined;
    out.set(item.name, item);
  }
  return out;
}

function parseJsonObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function walk(before: unknown, after: unknown, path: PathSegment[], out: FieldChange[]): void {
  if (canonicalEqual(before, after)) return;
  const last = path[path.length - 1];
  if (last && 'key' in last && last.key.endsWith('.json')) {
    const [b, a] = [parseJsonObject(before), parseJsonObject(after)];
    if (b && a) return walk(b, a, path, out);
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareText);
    for (const key of keys) {
      const step = [...path, { key }];
      if (!(key in after)) out.push({ path: step, before: before[key] });
      else if (!(key in before)) out.push({ path: step, after: after[key] });
      else walk(before[key], after[key], step, out);
    }
    return;
  }
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    (before as unknown[]).concat(after as unknown[]).some(isRecord)
  ) {
    const [b, a] = [namedItems(before), namedItems(after)];
    if (b && a) {
      for (const [name, item] of b) {
        if (a.has(name)) walk(item, a.get(name), [...path, { name }], out);
        else out.push({ path: [...path, { name }], before: item });
      }
      for (const [name, item] of a) if (!b.has(name)) out.push({ path: [...path, { name }], after: item });
      return;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) out.push({ path: [...path, { index: i }], before: before[i] });
      else if (i >= before.length) out.push({ path: [...path, { index: i }], after: after[i] });
      else walk(before[i], after[i], [...path, { index: i }], out);
    }
    return;
  }
  out.push({ path, before, after });
}

/** The fields that differ between two values, in a stable order. */
export function diffValues(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, [], out);
  return out;
}

/** Objects matched by apiVersion, kind, namespace and name; each list sorted by that key. */
export function diffObjects(before: readonly KubeObject[], after: readonly KubeObject[]): ObjectDiff {
  const byKey = (list: readonly KubeObject[]) => new Map(list.map((o) => [objectKey(o), o]));
  const [b, a] = [byKey(before), byKey(after)];
  const sorted = (keys: Iterable<string>) => [...keys].sort(compareText);
  const changed: ChangedObject[] = [];
  for (const key of sorted(a.keys())) {
    const old = b.get(key);
    if (!old) continue;
    const changes = diffValues(old, a.get(key));
    if (changes.length > 0) changed.push({ before: old, after: a.get(key)!, changes });
  }
  return {
    added: sorted(a.keys())
      .filter((k) => !b.has(k))
      .map((k) => a.get(k)!),
    removed: sorted(b.keys())
      .filter((k) => !a.has(k))
      .map((k) => b.get(k)!),
    changed,
  };
}
