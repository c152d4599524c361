// `patchwindow agent ...` alone: what bin/patchwindow.js runs for the node agent instead of main.ts.
// The agent's supervisor stays up on every node for as long as the node lives, so its process
// loads only the agent command: main.ts's command list would bring in yaml, ajv and Temporal (the
// validate command's imports) for nothing (docs/decisions/0006-light-idle-agent.md).
import { registerAgent } from './agent.ts';
import { processIo, type CliIo } from './io.ts';
import { runProgram } from './program.ts';

/** Runs `agent ...` (argv without node and script, starting with `agent`); resolves to the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(argv, io, [registerAgent]);
}
