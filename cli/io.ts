import type { Command } from 'commander';

// What a command may touch of the outside world, injected so tests can run commands in-process.

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT); long-running commands wait on it. */
  readonly stopSignal: AbortSignal;
  /** stdout is a terminal (`status --watch` redraws in place); absent: it is not. */
  readonly stdoutIsTTY?: boolean;
}

/** The real process. */
export function processIo(): CliIo {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    now: () => Date.now(),
    env: process.env,
    cwd: process.cwd(),
    stopSignal: controller.signal,
    stdoutIsTTY: process.stdout.isTTY === true,
  };
}

/** Output format option shared by several commands. */
export type Format = 'text' | 'json' | 'github' | 'markdown';

/** Hands a command's (lazily imported) run to main, which awaits it for the exit code. */
export type RunCommand = (exitCode: Promise<number>) => void;

/** Adds one subcommand to the program; its action imports the implementation lazily. */
export type RegisterCommand = (root: Command, io: CliIo, run: RunCommand) => void;
