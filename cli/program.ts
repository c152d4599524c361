// Running a `patchwindow` command line: builds the commander program from a list of commands, runs
// it, and maps errors to exit codes (0 ok, 1 invalid policies or failed checks, 2 usage or I/O
// problems). Never prints a stack trace. main.ts runs it with every command; agent-main.ts with
// `agent` alone, so the node agent never loads what the other commands need.
import { Command, CommanderError } from 'commander';
import { IoError, messageOf, PolicyError, TerminalError, TransientError, UsageError } from '../policy/errors.ts';
import packageJson from '../package.json' with { type: 'json' };
import type { CliIo, RegisterCommand, RunCommand } from './io.ts';

/** Builds the program; `run` receives each command's exit code. */
function program(io: CliIo, run: RunCommand, commands: readonly RegisterCommand[]): Command {
  const root = new Command('patchwindow')
    .description('Keeps Kubernetes worker nodes patched without surprises: reboot policies as YAML in git.')
    .version(packageJson.version, '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  for (const register of commands) register(root, io, run);
  return root;
}

/** Runs the command line `argv` (without node and script) with `commands`; resolves to the exit code. */
export async function runProgram(
  argv: readonly string[],
  io: CliIo,
  commands: readonly RegisterCommand[],
): Promise<number> {
  let pending: Promise<number> | undefined;
  try {
    await program(
      io,
      (p) => {
        pending = p;
      },
      commands,
    ).parseAsync([...argv], { from: 'user' });
    if (!pending) {
      io.stderr('patchwindow: no command given; run patchwindow --help\n');
      return 2;
    }
    return await pending;
  } catch (err: unknown) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every other commander error is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof PolicyError) {
      io.stderr(`patchwindow: ${err.message}\n`);
      return 1;
    }
    // An adapter's TerminalError or TransientError that reaches the command line is a setup or I/O
    // problem the command could not get past (e.g. a port already taken).
    if (
      err instanceof UsageError ||
      err instanceof IoError ||
      err instanceof TerminalError ||
      err instanceof TransientError
    ) {
      io.stderr(`patchwindow: ${err.message}\n`);
      return 2;
    }
    io.stderr(
      `patchwindow: unexpected error: ${messageOf(err)}\n  this is a bug; please report it with the command you ran\n`,
    );
    return 2;
  }
}
