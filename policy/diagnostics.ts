// Problems found in policy files, as data: where (file, line, column, field path), how bad, and what
// to do. Formatting for people (text), tools (json) and GitHub workflow annotations lives here too.

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly file: string;
  /** 1-based; 0 when the problem has no position (e.g. a missing document). */
  readonly line: number;
  readonly column: number;
  /** Dotted field path such as `spec.windows[0].start`; empty for the whole document or file. */
  readonly path: string;
  readonly severity: Severity;
  readonly message: string;
  /** Name of the rule that found it, for tests and suppression lists. */
  readonly rule: string;
}

/** A path as keys and indexes: ['spec', 'windows', 0, 'start']. */
export type FieldPath = readonly (string | number)[];

/** `spec.windows[0].start` from ['spec', 'windows', 0, 'start']. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out.length === 0 ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** A value as it appears in a message: strings quoted, long values shortened. */
export function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Code-unit order, independent of the locale, so output is the same everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted by file, position, then message, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareText(a.file, b.file) || a.line - b.line || a.column - b.column || compareText(a.message, b.message),
  );
}

/** `FILE:LINE:COL: error: PATH: message`, one line. */
export function formatText(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const path = d.path.length > 0 ? `${d.path}: ` : '';
  return `${where}: ${d.severity}: ${path}${d.message}`;
}

/** A GitHub Actions workflow command that annotates the file in a pull request. */
export function formatGithub(d: Diagnostic): string {
  const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escapeProp = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const props = [`file=${escapeProp(d.file)}`];
  if (d.line > 0) props.push(`line=${d.line}`, `col=${d.column}`);
  props.push(`title=${escapeProp(`patchwindow ${d.rule}`)}`);
  const path = d.path.length > 0 ? `${d.path}: ` : '';
  return `::${d.severity} ${props.join(',')}::${escapeData(path + d.message)}`;
}

/** The JSON form: {file, line, column, path, severity, message, rule}. */
export function toJson(d: Diagnostic): Record<string, unknown> {
  return {
    file: d.file,
    line: d.line,
    column: d.column,
    path: d.path,
    severity: d.severity,
    message: d.message,
    rule: d.rule,
  };
}
