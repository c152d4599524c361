// `patchwindow validate [PATH...]`: every problem of the policy files, one line each.
import { loadSources } from '../reconciler/validate/load.ts';
import { checkSources } from '../reconciler/validate/validate.ts';
import { Option } from 'commander';
import type { CliIo, Format, RegisterCommand } from './io.ts';
import { readInstallSettings, withInstallOptions, type InstallOptions } from './install.ts';
import { pathsOrDefault, printDiagnostics, summary } from './policies.ts';

export async function runValidate(
  io: CliIo,
  paths: readonly string[],
  opts: { format: Format } & InstallOptions,
): Promise<number> {
  const install = await readInstallSettings(io, opts);
  const where = pathsOrDefault(paths);
  const loaded = await loadSources(where);
  const { diagnostics, policySet: set } = checkSources(loaded, { nowMs: io.now(), origin: where.join(', '), install });
  printDiagnostics(io, diagnostics, opts.format);
  if (opts.format === 'text') {
    io.stderr(
      !set
        ? `${where.join(', ')}: invalid (${summary(diagnostics)})\n`
        : `${where.join(', ')}: valid — fleet ${set.fleet.name}, ${set.policies.length} polic${set.policies.length === 1 ? 'y' : 'ies'} (${summary(diagnostics)})\n`,
    );
  }
  return set ? 0 : 1;
}

export const registerValidate: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('validate'))
    .description('check policy files; one line per problem: FILE:LINE:COL: SEVERITY: FIELD: message')
    .argument('[paths...]', 'policy files or directories (their .yaml/.yml files); default .')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .action((paths: string[], opts: { format: 'text' | 'json' | 'github' } & InstallOptions) =>
      run(runValidate(io, paths, opts)),
    );
};
