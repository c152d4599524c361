// Runs the patchwindow command line in-process with captured output and a fixed clock.
import { main } from '../../cli/main.ts';
import type { CliIo } from '../../cli/io.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `patchwindow ...argv` with `now` fixed (default 2026-11-24T12:00:00Z). */
export async function runCli(
  argv: readonly string[],
  options: { nowMs?: number; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    now: () => options.nowMs ?? Date.parse('2026-11-24T12:00:00Z'),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stopSignal: new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
