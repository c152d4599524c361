// The Host port for a node agent running in a privileged DaemonSet pod with hostPID. Host files are
// read where the DaemonSet mounts them (read-only, under `hostRoot` at their own path); host commands
// run in the host's mount namespace through nsenter into PID 1, which hostPID makes the host's init.
import { readFile, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Host } from '../ports.ts';
import type { RebootSettings } from '../../policy/model.ts';
import { TerminalError, TransientError, messageOf } from '../../policy/errors.ts';
import { runProcess, stderrExcerpt, type ProcessResult, type ProcessRunner } from './process.ts';

/** Enter only the mount namespace of PID 1: the host's binaries and its systemd socket. */
export const NSENTER_MOUNT_ARG = '-m/proc/1/ns/mnt';

export interface HostOptions extends Pick<
  RebootSettings,
  'method' | 'command' | 'signal' | 'sentinelFile' | 'sentinelCommand'
> {
  /** Where host paths are mounted in the container (default /host). */
  readonly hostRoot?: string;
  /** Host path of the boot id (default /proc/sys/kernel/random/boot_id). */
  readonly bootIdPath?: string;
  /** Default /usr/bin/nsenter. */
  readonly nsenterPath?: string;
  /** Limit for the sentinel and reboot commands (default 30 s). */
  readonly commandTimeoutMs?: number;
  /** Default: node:child_process. */
  readonly run?: ProcessRunner;
  /** Sends a signal to a process (default process.kill); used for method 'signal' on PID 1. */
  readonly kill?: (pid: number, signal: number) => void;
}

/** The Host port over the real host: sentinel file/command, boot id, reboot by command or signal. */
export function createHost(options: HostOptions): Host {
  const hostRoot = options.hostRoot ?? '/host';
  const nsenter = options.nsenterPath ?? '/usr/bin/nsenter';
  const timeoutMs = options.commandTimeoutMs ?? 30_000;
  const run = options.run ?? runProcess;
  const kill = options.kill ?? ((pid: number, signal: number) => process.kill(pid, signal));
  const onHost = (hostPath: string): string => posix.join(hostRoot, hostPath);

  const runOnHost = (argv: readonly string[]): Promise<ProcessResult> =>
    run(nsenter, [NSENTER_MOUNT_ARG, '--', ...argv], { timeoutMs });

  async function sentinelFileExists(file: string): Promise<boolean> {
    const path = onHost(file);
    try {
      await stat(path);
      return true;
    } catch (err: unknown) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw new TransientError(
        `cannot check the sentinel file ${file} (at ${path}): ${messageOf(err)}; whether a reboot is required is unknown`,
        { cause: err },
      );
    }
  }

  async function sentinelCommandSaysRequired(argv: readonly string[]): Promise<boolean> {
    const shown = argv.join(' ');
    let result: ProcessResult;
    try {
      result = await runOnHost(argv);
    } catch (err: unknown) {
      throw new TransientError(
        `cannot run the sentinel command "${shown}" through ${nsenter}: ${messageOf(err)}; whether a reboot is required is unknown`,
        { cause: err },
      );
    }
    // 0 = required, 1 = not required; anything else cannot be read as an answer, and an
    // unanswered check must not silently mean "no reboot needed".
    if (result.code === 0) return true;
    if (result.code === 1) return false;
    throw new TransientError(
      `the sentinel command "${shown}" ${ended(result, timeoutMs)} (${stderrExcerpt(result.stderr)}); it must exit 0 (reboot required) or 1 (not required)`,
    );
  }

  return {
    async rebootRequired() {
      if (options.sentinelFile !== null && (await sentinelFileExists(options.sentinelFile))) return true;
      if (options.sentinelCommand === null) return false;
      return sentinelCommandSaysRequired(options.sentinelCommand);
    },

    async bootId() {
      const path = onHost(options.bootIdPath ?? '/proc/sys/kernel/random/boot_id');
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err: unknown) {
        throw new TerminalError(
          `cannot read the host's boot id at ${path}: ${messageOf(err)}; the DaemonSet must mount it read-only there`,
          { cause: err },
        );
      }
      const id = text.trim();
      if (id.length === 0)
        throw new TerminalError(
          `the host's boot id at ${path} is empty; the DaemonSet must mount /proc/sys/kernel/random/boot_id there`,
        );
      return id;
    },

    async reboot() {
      if (options.method === 'signal') return signalInit(kill, options.signal);
      const shown = options.command.join(' ');
      let result: ProcessResult;
      try {
        result = await runOnHost(options.command);
      } catch (err: unknown) {
        throw new TerminalError(
          `cannot run the reboot command "${shown}" through ${nsenter}: ${messageOf(err)}; the pod needs hostPID and privileged`,
          { cause: err },
        );
      }
      if (result.code !== 0) {
        throw new TerminalError(
          `the reboot command "${shown}" ${ended(result, timeoutMs)} (${stderrExcerpt(result.stderr)})`,
        );
      }
    },
  };
}

function signalInit(kill: (pid: number, signal: number) => void, signal: number): void {
  if (!Number.isInteger(signal) || signal < 1)
    throw new TerminalError(
      `reboot signal ${signal} is not a signal number; use e.g. 39 (SIGRTMIN+5, systemd's reboot)`,
    );
  try {
    kill(1, signal);
  } catch (err: unknown) {
    throw new TerminalError(
      `cannot send signal ${signal} to the host's PID 1: ${messageOf(err)}; the pod needs hostPID and CAP_KILL`,
      { cause: err },
    );
  }
}

function ended(result: ProcessResult, timeoutMs: number): string {
  if (result.timedOut) return `did not finish within ${timeoutMs} ms and was killed`;
  if (result.code === null) return `was killed by ${result.signal ?? 'a signal'}`;
  return `exited with code ${result.code}`;
}
