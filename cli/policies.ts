// Shared by commands that start from policy files: load, validate, print problems, return the set.
import { PolicyError } from '../policy/errors.ts';
import { formatGithub, formatText, hasErrors, toJson, type Diagnostic } from '../policy/diagnostics.ts';
import { loadSources } from '../reconciler/validate/load.ts';
import { checkSources } from '../reconciler/validate/validate.ts';
import { type PolicySet } from '../policy/model.ts';
import type { CliIo, Format } from './io.ts';
import { readInstallSettings, type InstallOptions } from './install.ts';

/** Prints diagnostics in the chosen format (json prints the array even when empty). */
export function printDiagnostics(io: CliIo, diagnostics: readonly Diagnostic[], format: Format): void {
  if (format === 'json') {
    io.stdout(`${JSON.stringify(diagnostics.map(toJson), null, 2)}\n`);
    return;
  }
  const write = format === 'github' ? formatGithub : formatText;
  for (const d of diagnostics) io.stdout(`${write(d)}\n`);
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/** Default when no PATH is given. */
export function pathsOrDefault(paths: readonly string[]): string[] {
  return paths.length > 0 ? [...paths] : ['.'];
}

/**
 * Loads and validates the policies at `paths`. Problems go to stdout (text: errors and warnings;
 * `quietWarnings` hides warnings for commands whose output is not the diagnostics). Throws
 * PolicyError when invalid, IoError when unreadable.
 */
export async function loadPolicySet(
  io: CliIo,
  paths: readonly string[],
  opts: { format?: Format; quietWarnings?: boolean; install?: InstallOptions } = {},
): Promise<PolicySet> {
  const install = await readInstallSettings(io, opts.install ?? {});
  const loaded = await loadSources(pathsOrDefault(paths));
  const { diagnostics, policySet } = checkSources(loaded, {
    nowMs: io.now(),
    origin: pathsOrDefault(paths).join(', '),
    install,
  });
  const shown = opts.quietWarnings && !hasErrors(diagnostics) ? [] : diagnostics;
  if (shown.length > 0) {
    printDiagnostics({ ...io, stdout: io.stderr }, shown, opts.format === 'github' ? 'github' : 'text');
  }
  if (!policySet) throw new PolicyError(`invalid policies: ${summary(diagnostics)}`);
  return policySet;
}
