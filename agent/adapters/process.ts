// Runs one child process to completion with a time limit, for the host adapter's nsenter calls.
// The child gets its own process group so a timeout kills it and anything it started (a shell's
// children would otherwise keep the pipes open and the wait going).
import { spawn } from 'node:child_process';

/** How a process ended. `code` is null when it was killed by a signal (or by the time limit). */
export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** The last bytes of its standard error, decoded as UTF-8. */
  readonly stderr: string;
}

/** Runs `file` with `args`; rejects only when the process cannot be started (ENOENT, EACCES, ...). */
export type ProcessRunner = (
  file: string,
  args: readonly string[],
  options: { readonly timeoutMs: number },
) => Promise<ProcessResult>;

const STDERR_KEEP_BYTES = 4096;
const PIPE_GRACE_MS = 200;

/** The real runner: node:child_process, stdin closed, stdout discarded, stderr kept (tail). */
export const runProcess: ProcessRunner = (file, args, { timeoutMs }) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = Buffer.alloc(0);
    let timedOut = false;
    let settled = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_KEEP_BYTES) stderr = stderr.subarray(stderr.length - STDERR_KEEP_BYTES);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    });
    // Normally 'close' (stderr fully read) follows 'exit' at once; a grandchild that outlives the
    // child (after a timeout, or a shell's background job) may hold the pipe, so do not wait for it long.
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const finish = (): void => {
        if (settled) return;
        settled = true;
        resolve({ code, signal, timedOut, stderr: stderr.toString('utf8') });
      };
      child.on('close', finish);
      setTimeout(finish, PIPE_GRACE_MS).unref();
    });
  });

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone: nothing left to stop.
  }
}

/** A short one-line excerpt of standard error for error messages. */
export function stderrExcerpt(stderr: string, maxChars = 300): string {
  const oneLine = stderr.trim().replace(/\s*\n\s*/g, ' | ');
  if (oneLine.length === 0) return 'no output on stderr';
  return oneLine.length <= maxChars ? oneLine : `…${oneLine.slice(oneLine.length - maxChars)}`;
}
