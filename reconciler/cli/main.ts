// The `patchwindow` command line: parses arguments, runs one command, maps errors to exit codes
// (0 ok, 1 invalid policies or failed checks, 2 usage or I/O problems). Never prints a stack trace.
import { Command, CommanderError } from 'commander';
import { IoError, messageOf, PolicyError, UsageError } from '../../policy/errors.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { commands } from './commands.ts';
import { processIo, type CliIo, type RunCommand } from './io.ts';

/** Builds the program; `run` receives each command's exit code. */
function program(io: CliIo, run: RunCommand): Command {
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

/** Runs the command line `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let pending: Promise<number> | undefined;
  try {
    await program(io, (p) => {
      pending = p;
    }).parseAsync([...argv], { from: 'user' });
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
    if (err instanceof UsageError || err instanceof IoError) {
      io.stderr(`patchwindow: ${err.message}\n`);
      return 2;
    }
    io.stderr(`patchwindow: unexpected error: ${messageOf(err)}\n  this is a bug; please report it with the command you ran\n`);
    return 2;
  }
}
