// Deterministic text for rendered objects: same input, same bytes. Map keys are sorted (code-unit
// order, `apiVersion`, `kind`, `metadata` first at the top), lists keep their order, undefined
// fields are dropped. YAML is written for YAML 1.1 readers (Kubernetes tooling): strings such as
// "yes", "on", "0755" or "1:2" are quoted; no anchors or aliases; no line folding.
import { Document, isMap, isScalar, isSeq, type Node } from 'yaml';
import { compareText } from '../../policy/diagnostics.ts';
import type { FieldComment } from './objects.ts';

const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'];

function compareKeys(top: boolean) {
  return (a: string, b: string): number => {
    if (top) {
      const ia = FIRST_KEYS.indexOf(a);
      const ib = FIRST_KEYS.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? FIRST_KEYS.length : ia) - (ib < 0 ? FIRST_KEYS.length : ib);
    }
    return compareText(a, b);
  };
}

/** A deep copy with every map's keys sorted and undefined fields dropped. */
export function sortKeys(value: unknown, top = true): unknown {
  if (Array.isArray(value)) return value.map((v: unknown) => sortKeys(v, false));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => compareKeys(top)(a, b));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v, false)]));
}

/** Equal as canonical JSON: the same data whatever the key order (undefined fields ignored). */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

/** JSON with sorted keys, two-space indent and a final newline. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** Comment text as lines of at most ~100 characters. */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines.map((l) => ` ${l}`).join('\n');
}

function attachComment(doc: Document, comment: FieldComment): void {
  let node: unknown = doc.contents;
  const { path } = comment;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
      if (!pair || !isScalar(pair.key))
        throw new Error(`comment path ${JSON.stringify(path)}: no key ${String(segment)}`);
      if (last) pair.key.commentBefore = wrap(comment.text);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      const item = node.items[segment] as Node;
      if (last) item.commentBefore = wrap(comment.text);
      node = item;
    } else {
      throw new Error(`comment path ${JSON.stringify(path)}: nothing at ${String(segment)}`);
    }
  });
}

/** One YAML document (no `---`), keys sorted, with comments above the given fields. */
export function toYaml(value: unknown, comments: readonly FieldComment[] = []): string {
  const doc = new Document(sortKeys(value), { version: '1.1', aliasDuplicateObjects: false });
  for (const c of comments) attachComment(doc, c);
  return doc.toString({ lineWidth: 0, directives: false });
}

/** Several documents as one YAML stream, each introduced by `---`. */
export function toYamlStream(documents: readonly string[]): string {
  return documents.map((d) => `---\n${d}`).join('');
}
