// A document's model together with where it was written, so rules can point back at the source.
import { formatPath, type Diagnostic, type FieldPath, type Severity } from '../../policy/diagnostics.ts';
import type { Report } from './normalize-fields.ts';
import type { ParsedDocument } from './parse.ts';

/** Where each document of a policy set came from, for rules that report on it. */
export interface Located<T> {
  readonly doc: ParsedDocument;
  readonly model: T;
}

/** A Report that turns field paths into diagnostics positioned in `doc`. */
export function reporterFor(doc: ParsedDocument, out: Diagnostic[]): Report {
  const add = (severity: Severity) => (path: FieldPath, message: string, rule: string, options?: { key?: boolean }) => {
    out.push({ file: doc.file, ...doc.locate(path, options), path: formatPath(path), severity, message, rule });
  };
  return { error: add('error'), warning: add('warning') };
}
