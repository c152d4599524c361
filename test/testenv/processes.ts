import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A control-plane process, leader of its own process group, logging to `logPath`. */
export interface Component {
  name: string;
  bin: string;
  pid: number;
  logPath: string;
  /** Resolves when the process has exited (or failed to spawn), with a human-readable reason. */
  exited: Promise<string>;
  /** Set once the process has exited. */
  exitReason: string | undefined;
}

// Process groups still running, killed on exit/signals so a crashed run leaves no etcd/apiserver behind.
const live = new Map<number, Component>();
let handlersInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
      live.clear();
      // Our listener disabled Node's default action; restore it when nobody else handles the signal.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** Starts `bin` in a new process group with stdout+stderr appended to `<logDir>/<name>.log`. */
export function startComponent(opts: { name: string; bin: string; args: string[]; logDir: string }): Component {
  installExitHandlers();
  const logPath = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logPath, 'a');
  let child;
  try {
    child = spawn(opts.bin, opts.args, { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  child.unref();
  const component: Component = {
    name: opts.name,
    bin: opts.bin,
    pid: child.pid ?? -1,
    logPath,
    exitReason: undefined,
    exited: new Promise<string>((resolve) => {
      const done = (reason: string): void => {
        live.delete(component.pid);
        component.exitReason = reason;
        resolve(reason);
      };
      child.once('error', (err) => done(`failed to start: ${err.message}`));
      child.once('exit', (code, signal) => done(signal !== null ? `killed by ${signal}` : `exited with code ${code}`));
    }),
  };
  if (component.pid > 0) live.set(component.pid, component);
  return component;
}

/**
 * SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the process is gone.
 * Components stop in three waves (clients, apiserver, etcd): 3 s each stays inside vitest's
 * 10 s teardownTimeout. Measured: the whole cluster stops in ~1.2 s.
 */
export async function stopComponent(c: Component, graceMs = 3_000): Promise<void> {
  if (c.exitReason === undefined && c.pid > 0) {
    killGroup(c.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([c.exited, timeout]);
    clearTimeout(timer);
  }
  if (c.pid > 0) killGroup(c.pid, 'SIGKILL'); // also reaps anything the component forked
  await c.exited;
}

/** SIGKILLs the component's process group at once (a crash, no graceful shutdown); resolves when it is gone. */
export async function killComponent(c: Component): Promise<void> {
  if (c.pid > 0) killGroup(c.pid, 'SIGKILL');
  await c.exited;
}

/** Last `lines` lines of a component's log, for error messages. */
export function logTail(c: Component, lines = 20): string {
  try {
    return readFileSync(c.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** What startCluster records in `<dir>/owner.json` so a later run can reap a crashed run's processes. */
export interface OwnerRecord {
  ownerPid: number;
  components: { name: string; pid: number; bin: string }[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills the process groups of clusters whose owning Node process died without tearing them down
 * (SIGKILL, OOM). Only processes whose command line still starts with the recorded binary are
 * touched, so a reused pid is never killed. Returns the directories it reaped.
 */
export function reapOrphans(baseDir: string, prefix: string): string[] {
  const reaped: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(baseDir).filter((e) => e.startsWith(prefix));
  } catch {
    return reaped;
  }
  for (const entry of entries) {
    const file = join(baseDir, entry, 'owner.json');
    if (!existsSync(file)) continue;
    let record: OwnerRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
    } catch {
      continue;
    }
    if (alive(record.ownerPid)) continue;
    let killed = false;
    for (const c of record.components) {
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${c.pid}/cmdline`, 'utf8');
      } catch {
        continue; // gone
      }
      if (cmdline.startsWith(c.bin)) {
        killGroup(c.pid, 'SIGKILL');
        killed = true;
      }
    }
    if (killed) reaped.push(join(baseDir, entry));
  }
  return reaped;
}
