// The agent's structured log: one JSON object per line on stdout, every line carrying the node and
// the policy, so a cluster's log pipeline can filter one node's story out of all agents'. The
// lines have pino's shape (`level` as a label, ISO `time`, `msg` last), which the reconciler's log
// (pino) has too. Written by hand rather than with pino: the agent's supervisor runs on every node
// all the time, and pino with its dependencies costs it about 5 MiB of its ~60
// (docs/decisions/0006-light-idle-agent.md); the agent logs flat objects of strings and numbers,
// which JSON.stringify writes just the same.
import type { Log, LogLevel } from '../io/log.ts';
import type { LogFormat } from '../policy/model.ts';
import { textLine } from './log-text.ts';

const SEVERITY: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface AgentLogOptions {
  readonly level: LogLevel;
  /** `json` (default): one JSON object per line; `text`: kured-like `key=value` lines (log-text.ts). */
  readonly format?: LogFormat;
  readonly node: string;
  /** Null while it is not known yet (the supervisor before the worker read the config). */
  readonly policy: string | null;
  /** Which process writes (`supervisor`, `worker`): a field of every line. Default: none. */
  readonly process?: string;
  /** Writes one line (with its newline). Default: stdout, synchronous on Linux for files and pipes. */
  readonly write?: (line: string) => void;
  /** Default: the system clock. */
  readonly now?: () => number;
}

/** A log with `flush`, which the process calls before it exits. */
export interface AgentProcessLog extends Log {
  flush(): void;
}

export function createAgentLog(options: AgentLogOptions): AgentProcessLog {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? Date.now;
  const base: Record<string, unknown> = {
    component: 'agent',
    node: options.node,
    ...(options.policy !== null ? { policy: options.policy } : {}),
    ...(options.process !== undefined ? { process: options.process } : {}),
  };
  const least = SEVERITY[options.level];
  const render = (entry: Record<string, unknown>): string =>
    options.format === 'text' ? textLine(entry) : JSON.stringify(entry);
  const line = (level: LogLevel) => (fields: Record<string, unknown>, message: string) => {
    if (SEVERITY[level] < least) return;
    // Fields may repeat node or policy (the loop names them in some lines); the line keeps one of each.
    const entry = { level, time: new Date(now()).toISOString(), ...base, ...fields, msg: message };
    let text: string;
    try {
      text = render(entry);
    } catch (err: unknown) {
      // A field JSON cannot write (a cycle, a BigInt) must not lose the line or stop the agent.
      text = render({
        level,
        time: entry.time,
        ...base,
        msg: message,
        logError: err instanceof Error ? err.message : String(err),
      });
    }
    write(`${text}\n`);
  };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    // Every line is written synchronously: nothing is buffered.
    flush() {},
  };
}
