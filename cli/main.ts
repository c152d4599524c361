// The `patchwindow` command line with every command (see program.ts for parsing and exit codes).
import { commands } from './commands.ts';
import { processIo, type CliIo } from './io.ts';
import { runProgram } from './program.ts';

/** Runs the command line `argv` (without node and script); resolves to the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(argv, io, commands);
}
