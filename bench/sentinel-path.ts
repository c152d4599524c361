// Where the time between a sentinel file and its node's cordon goes (issue 19), for
// bench/rollout-limit.ts: each step's moment from the agent's own log lines (supervisor and worker)
// and the bench's watch of the cluster, as offsets from the moment the sentinel was written.
import type { TimelineEntry } from '../test/helpers/cluster-watcher.ts';

/** Milliseconds after the sentinel was written; null when the step was not seen. */
export interface SentinelPath {
  /** The supervisor saw the sentinel ("sentinel found"). */
  readonly seenMs: number | null;
  /** The worker checked its setup and was told to start (the supervisor's "agent worker started"). */
  readonly workerReadyMs: number | null;
  /** The worker's loop started ("agent started": its Node read, its watches up). */
  readonly loopMs: number | null;
  /** The request on the Node: the record in phase acquiring (the bench's watch). */
  readonly requestMs: number | null;
  /** The coordinator's grant (the bench's watch of the Leases). */
  readonly grantMs: number | null;
  readonly cordonMs: number | null;
}

/** The steps of `node` after `sinceMs`, from its agent's log lines and the watcher's timeline. */
export function sentinelPath(
  logs: readonly Record<string, unknown>[],
  timeline: readonly TimelineEntry[],
  node: string,
  sinceMs: number,
): SentinelPath {
  const logAt = (process: string, test: (msg: string) => boolean): number | null => {
    for (const l of logs) {
      if (l.process !== process || typeof l.time !== 'string' || typeof l.msg !== 'string') continue;
      const atMs = Date.parse(l.time);
      if (atMs >= sinceMs && test(l.msg)) return atMs - sinceMs;
    }
    return null;
  };
  const noteAt = (test: (text: string) => boolean): number | null => {
    const e = timeline.find((x) => x.node === node && x.atMs >= sinceMs && test(x.text));
    return e === undefined ? null : e.atMs - sinceMs;
  };
  return {
    seenMs: logAt('supervisor', (m) => m.startsWith('the node needs a reboot')),
    workerReadyMs: logAt('supervisor', (m) => m === 'agent worker started'),
    loopMs: logAt('worker', (m) => m === 'agent started'),
    requestMs: noteAt((t) => t.startsWith('phase acquiring')),
    grantMs: noteAt((t) => t.startsWith('granted ')),
    cordonMs: noteAt((t) => t === 'cordoned'),
  };
}
