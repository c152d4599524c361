// The import report: what became of every kured key, what to run, what to do next. Pure text.
import type { ImportResult } from './kured-import.ts';
import type { Finding } from './kured-input.ts';
import type { Problem } from './kured-settings.ts';

const HEADINGS: Readonly<Record<Finding['verdict'], string>> = {
  mapped: 'Mapped',
  difference: 'Mapped, with a difference',
  unmapped: 'No counterpart (what to do)',
  'not-needed': 'Not needed in patchwindow',
};

const where = (o: Problem['origin'] | undefined): string =>
  o === undefined ? '' : o.line > 0 ? `${o.file}:${o.line}` : o.file;

/** `FILE:LINE: error: FIELD: message` lines for what kured would have refused or does not exist. */
export function formatErrors(errors: readonly Problem[]): string {
  return errors
    .map((e) => `${where(e.origin)}: error: ${e.origin.field ? `${e.origin.field}: ` : ''}${e.message}\n`)
    .join('');
}

export interface ReportFiles {
  readonly fleet: string;
  readonly policy: string;
  readonly install?: string;
}

export function formatReport(result: ImportResult, files: ReportFiles | undefined): string {
  const out: string[] = [];
  for (const verdict of ['mapped', 'difference', 'unmapped', 'not-needed'] as const) {
    const rows = result.findings.filter((f) => f.verdict === verdict);
    if (rows.length === 0) continue;
    out.push(`${HEADINGS[verdict]}:`);
    for (const f of rows)
      out.push(
        `  ${f.key}${f.origin && f.origin.line > 0 ? ` (${where(f.origin)})` : ''}${f.to ? ` → ${f.to}` : ''}: ${f.note}`,
      );
    out.push('');
  }
  if (result.ignored.length > 0) {
    out.push('Ignored by kured as written (and so by the import):');
    for (const i of result.ignored) out.push(`  ${where(i.origin)} ${i.origin.field}: ${i.message}`);
    out.push('');
  }
  if (files) {
    out.push('Written:');
    out.push(`  ${files.fleet}`, `  ${files.policy}`);
    if (files.install)
      out.push(
        `  ${files.install}   (install settings: host commands; pass to render/reconcile, never commit to the policy repository)`,
      );
    out.push('');
  }
  if (result.secrets.length > 0) {
    out.push('Create the notification Secret (its value is not written anywhere by the import):');
    for (const s of result.secrets) out.push(`  # from ${s.from}`, `  ${s.command}`);
    out.push('');
  }
  const unmapped = result.findings.filter((f) => f.verdict === 'unmapped').length;
  out.push(
    unmapped > 0
      ? `${unmapped} setting${unmapped === 1 ? '' : 's'} without a counterpart: read the advice above, then run again with --allow-unmapped.`
      : 'Every setting is mapped. Next: review `patchwindow windows` and `patchwindow plan`, then follow the switch-over in docs/from-kured.md.',
  );
  return `${out.join('\n')}\n`;
}
