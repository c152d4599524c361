// Normalizing host commands (pure): a program by absolute path, and one the Fleet allows.
import type { Report } from './normalize-fields.ts';
import { showValue, type FieldPath } from '../../policy/diagnostics.ts';

export const DEFAULT_REBOOT_COMMAND: readonly string[] = ['/bin/systemctl', 'reboot'];

/** Commands run on the host without a shell and without PATH, so the program is an absolute path. */
export function absoluteProgram(report: Report, path: FieldPath, argv: readonly string[]): void {
  if (!argv[0]!.startsWith('/')) {
    report.error(
      [...path, 0],
      `${showValue(argv[0])} is not an absolute path; commands run on the host without a shell, write e.g. /bin/systemctl`,
      'command',
    );
  }
}

/** `argv` must run a program by absolute path and, when the Fleet is known, be one it allows. */
export function command(
  report: Report,
  path: FieldPath,
  argv: readonly string[] | undefined,
  allowed: readonly (readonly string[])[] | undefined,
  what: string,
): void {
  if (argv === undefined) return;
  absoluteProgram(report, path, argv);
  if (allowed !== undefined && !allowed.some((a) => a.length === argv.length && a.every((x, i) => x === argv[i]))) {
    const list = allowed.length === 0 ? 'none are allowed' : allowed.map((a) => showValue(a)).join(', ');
    report.error(
      path,
      `${showValue(argv)} is not an allowed ${what} command (Fleet spec.allowedCommands.${what}: ${list}); add it there or use an allowed one`,
      'allowed-command',
    );
  }
}
