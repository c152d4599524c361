// `patchwindow validate [PATH...]`: every problem of the policy files, one line each.
import { hasErrors } from '../diagnostics.ts';
import { loadSources } from '../load.ts';
import { validateSources } from '../validate.ts';
import { Option } from 'commander';
import type { CliIo, Format, RegisterCommand } from './io.ts';
import { pathsOrDefault, printDiagnostics, summary } from './policies.ts';

export async function runValidate(io: CliIo, paths: readonly string[], opts: { format: Format }): Promise<number> {
  const where = pathsOrDefault(paths);
  const loaded = await loadSources(where);
  const result = validateSources(loaded.sources, { nowMs: io.now(), origin: where.join(', ') });
  const diagnostics = [...loaded.diagnostics, ...result.diagnostics];
  printDiagnostics(io, diagnostics, opts.format);
  const invalid = hasErrors(diagnostics) || !result.policySet;
  if (opts.format === 'text') {
    const set = result.policySet;
    io.stderr(
      invalid || !set
        ? `${where.join(', ')}: invalid (${summary(diagnostics)})\n`
        : `${where.join(', ')}: valid — fleet ${set.fleet.name}, ${set.policies.length} polic${set.policies.length === 1 ? 'y' : 'ies'} (${summary(diagnostics)})\n`,
    );
  }
  return invalid ? 1 : 0;
}

export const registerValidate: RegisterCommand = (root, io, run) => {
  root
    .command('validate')
    .description('check policy files; one line per problem: FILE:LINE:COL: SEVERITY: FIELD: message')
    .argument('[paths...]', 'policy files or directories (their .yaml/.yml files); default .')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .action((paths: string[], opts: { format: 'text' | 'json' | 'github' }) => run(runValidate(io, paths, opts)));
};
