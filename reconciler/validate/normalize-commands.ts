// Normalizing host commands (pure): a policy names a command of the install settings, and gets its
// command line from there. The command lines themselves are never read from git.
import type { Report } from './normalize-fields.ts';
import type { FieldPath } from '../../policy/diagnostics.ts';
import { DEFAULT_COMMAND_NAME, DEFAULT_REBOOT_COMMAND, resolveCommand, type InstallSettings } from './install.ts';

/** The command line of the command `name` of `kind`, or undefined (reported) when there is none. */
export function namedCommand(
  report: Report,
  path: FieldPath,
  name: string,
  kind: 'reboot' | 'sentinel',
  install: InstallSettings,
): readonly string[] | undefined {
  const resolved = resolveCommand(install, kind, name);
  if ('argv' in resolved) return resolved.argv;
  report.error(path, resolved.problem, 'allowed-command');
  return undefined;
}

/** The reboot command a policy runs: the one it names, or the install settings' `default`. */
export function rebootCommand(
  report: Report,
  written: string | undefined,
  install: InstallSettings,
): readonly string[] {
  const argv = namedCommand(report, ['spec', 'reboot', 'command'], written ?? DEFAULT_COMMAND_NAME, 'reboot', install);
  return argv ?? [];
}

/**
 * With `method: signal` no command runs, but the agent's config still carries one (its schema needs
 * it): the install settings' default when there is one, else the built-in one, never executed.
 */
export function signalFallback(install: InstallSettings): readonly string[] {
  const resolved = resolveCommand(install, 'reboot', DEFAULT_COMMAND_NAME);
  return 'argv' in resolved ? resolved.argv : DEFAULT_REBOOT_COMMAND;
}
