// YAML parsing with source positions. Pure: takes file contents, returns documents and problems.
import {
  CST,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseAllDocuments,
  visit,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import { formatPath, type Diagnostic, type FieldPath } from '../../policy/diagnostics.ts';

/** A file's contents and the name to show for it. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** One YAML document of a file, its plain value, and how to find a field's position in it. */
export interface ParsedDocument {
  readonly file: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  readonly value: unknown;
  /** Position of the value at `path`, or of its nearest existing ancestor; of the key when `key`. */
  locate(path: FieldPath, options?: { key?: boolean }): Position;
}

/** Aliases allowed per document before parsing stops (alias bombs expand exponentially). */
export const MAX_ALIASES = 50;
/** Nesting depth beyond which a document is refused. */
const MAX_DEPTH = 64;

function childOf(node: unknown, part: string | number): { node: unknown; pair?: Pair } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
    return pair ? { node: pair.value, pair } : undefined;
  }
  if (isSeq(node) && typeof part === 'number') {
    const item: unknown = node.items[part];
    return item === undefined ? undefined : { node: item };
  }
  return undefined;
}

function depthOf(node: unknown, depth = 0): number {
  if (depth > MAX_DEPTH) return depth;
  // A loop, not Math.max(...items): a flow list may hold hundreds of thousands of items.
  const children: readonly unknown[] = isMap(node) ? node.items.map((p) => p.value) : isSeq(node) ? node.items : [];
  let max = depth;
  for (const child of children) max = Math.max(max, depthOf(child, depth + 1));
  return max;
}

function makeLocate(doc: Document, lines: LineCounter): ParsedDocument['locate'] {
  const at = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  return (path, options) => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const part of path) {
      const child = childOf(node, part);
      if (!child) break;
      keyNode = child.pair?.key;
      node = child.node;
      if (node === null || node === undefined) {
        node = child.pair?.key; // `key:` with no value: point at the key
        break;
      }
    }
    const target = options?.key && keyNode ? keyNode : node;
    const range = (target as Node | null)?.range ?? doc.contents?.range;
    return range ? at(range[0]) : { line: 1, column: 1 };
  };
}

/** The first key written twice in one mapping of `doc`, with the positions of both. */
function firstDuplicateKey(
  doc: Document,
  lines: LineCounter,
): { key: string; first: Position; second: Position } | undefined {
  let found: { key: string; first: Position; second: Position } | undefined;
  const at = (node: Node): Position => {
    const { line, col } = lines.linePos(node.range?.[0] ?? 0);
    return { line, column: col };
  };
  visit(doc, {
    Map(_, map) {
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          found = { key, first: at(earlier), second: at(pair.key) };
          return visit.BREAK;
        }
        seen.set(key, pair.key);
      }
      return undefined;
    },
  });
  return found;
}

/** Values per file beyond which it is refused before parsing: a policy never needs that many. */
export const MAX_VALUES = 20_000;

/**
 * A first pass over the file's tokens (yaml's lexer keeps no tree), so that what would make the
 * parser build a huge tree — thousands of nested flow collections, hundreds of thousands of list
 * items — is refused in little time and memory. Returns the problem, if any.
 */
function tooBig(text: string): string | undefined {
  let depth = 0;
  let values = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      if (++depth > MAX_DEPTH) return `is nested more than ${MAX_DEPTH} levels deep; a policy never needs that`;
    } else if (type === 'flow-map-end' || type === 'flow-seq-end') {
      depth = Math.max(0, depth - 1);
    } else if (type === 'scalar' || type === 'single-quoted-scalar' || type === 'double-quoted-scalar') {
      if (++values > MAX_VALUES) return `holds more than ${MAX_VALUES} values; a policy never needs that many`;
    }
  }
  return undefined;
}

/** Parses every document of a file; problems come back as diagnostics, never as exceptions. */
export function parseSource(source: SourceFile): { documents: ParsedDocument[]; diagnostics: Diagnostic[] } {
  const lines = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const documents: ParsedDocument[] = [];
  const problem = (pos: Position, path: FieldPath, message: string, rule: string) =>
    diagnostics.push({ file: source.file, ...pos, path: formatPath(path), severity: 'error', message, rule });

  const limit = tooBig(source.text);
  if (limit !== undefined) {
    problem({ line: 1, column: 1 }, [], limit, 'yaml-limits');
    return { documents, diagnostics };
  }
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(source.text, {
      lineCounter: lines,
      prettyErrors: true,
      uniqueKeys: true,
    }) as Document.Parsed[];
  } catch (err: unknown) {
    problem({ line: 1, column: 1 }, [], `cannot be parsed as YAML: ${(err as Error).message}`, 'yaml-syntax');
    return { documents, diagnostics };
  }

  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      // The first error of a document is the cause; the ones after it are mostly its consequences.
      for (const e of doc.errors.slice(0, 1)) {
        const duplicate = e.code === 'DUPLICATE_KEY' ? firstDuplicateKey(doc, lines) : undefined;
        if (duplicate) {
          problem(
            duplicate.second,
            [],
            `invalid YAML: key ${JSON.stringify(duplicate.key)} appears twice in one mapping, on lines ${duplicate.first.line} and ${duplicate.second.line}; each key may appear once, remove or rename one`,
            'yaml-duplicate-key',
          );
          continue;
        }
        const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
        const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        const hint = e.code === 'DUPLICATE_KEY' ? '; each key may appear once in a mapping, remove or rename one' : '';
        problem(
          { line: pos.line, column: pos.col },
          [],
          `invalid YAML: ${first}${hint}`,
          e.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : 'yaml-syntax',
        );
      }
      return;
    }
    // An empty document, e.g. after a trailing `---`.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    const locate = makeLocate(doc, lines);
    if (depthOf(doc.contents) > MAX_DEPTH) {
      problem(locate([]), [], `is nested more than ${MAX_DEPTH} levels deep; a policy never needs that`, 'yaml-limits');
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err: unknown) {
      const message =
        err instanceof ReferenceError
          ? `uses YAML aliases too often (more than ${MAX_ALIASES} expansions); write the values out instead`
          : `cannot be read: ${(err as Error).message}`;
      problem(locate([]), [], message, 'yaml-limits');
      return;
    }
    documents.push({ file: source.file, index, value, locate });
  });
  return { documents, diagnostics };
}
