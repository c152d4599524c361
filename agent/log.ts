// The agent's structured log: one JSON object per line (pino) on stdout, every line carrying the
// node and the policy, so a cluster's log pipeline can filter one node's story out of all agents'.
import { pino, stdTimeFunctions, type DestinationStream } from 'pino';
import type { AgentLog } from './observer.ts';

export interface AgentLogOptions {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly node: string;
  readonly policy: string;
  /** Default: stdout, written synchronously so nothing is lost at exit. */
  readonly destination?: DestinationStream;
}

/** A log with `flush`, which the process calls before it exits. */
export interface AgentProcessLog extends AgentLog {
  flush(): void;
}

export function createAgentLog(options: AgentLogOptions): AgentProcessLog {
  const logger = pino(
    {
      level: options.level,
      base: { component: 'agent', node: options.node, policy: options.policy },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  // The loop names the node and policy in some lines itself; every line has them already.
  const own = (fields: Record<string, unknown>): Record<string, unknown> => {
    if (fields.node !== options.node && fields.policy !== options.policy) return fields;
    const { node, policy, ...rest } = fields;
    return { ...rest, ...(node !== options.node ? { node } : {}), ...(policy !== options.policy ? { policy } : {}) };
  };
  return {
    debug: (fields, message) => logger.debug(own(fields), message),
    info: (fields, message) => logger.info(own(fields), message),
    warn: (fields, message) => logger.warn(own(fields), message),
    error: (fields, message) => logger.error(own(fields), message),
    flush: () => logger.flush(),
  };
}
