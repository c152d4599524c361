// The idle supervisor's wait for the sentinel: check it now, then again the moment the watch of the
// sentinel file's directory sees a change (adapters/sentinel-watch.ts), and on a timer only where a
// watch cannot see: a sentinel command, a directory that cannot be watched, a lost watch (every
// checkInterval); otherwise every SENTINEL_SAFETY_POLL_MS as a safety net. Part of the idle
// supervisor: keep its imports light (docs/decisions/0006-light-idle-agent.md).
import { formatDuration } from '../policy/duration.ts';
import { messageOf } from '../policy/errors.ts';
import type { Log } from '../io/log.ts';
import type { Clock } from '../policy/clock.ts';
import type { SentinelWatch } from './adapters/sentinel-watch.ts';
import type { Host } from './ports.ts';
import type { WorkerSettings } from './worker-channel.ts';

/**
 * With a watched sentinel file and no sentinel command, the sentinel is still checked this often
 * (or every checkInterval, if longer): a safety net for a change the watch could miss.
 */
export const SENTINEL_SAFETY_POLL_MS = 10 * 60_000;

/** What the wait needs. */
export interface SentinelWaitOptions {
  readonly settings: WorkerSettings;
  readonly sentinel: Pick<Host, 'rebootRequired'>;
  /** Starts a watch of the sentinel file's directory; throws when it cannot. Missing: poll only. */
  readonly watchSentinel?: (sentinelFile: string) => SentinelWatch;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly log: Log;
  /** Each answer of the sentinel (the gauge). */
  readonly rebootRequired: (required: boolean) => void;
  /** The next check is due by then (the liveness probe). */
  readonly progressed: (byMs: number) => void;
}

/** Resolves once the sentinel says "reboot" or cannot be checked (or `signal` aborts). */
export async function untilRebootRequired(o: SentinelWaitOptions): Promise<void> {
  const { settings, clock, log } = o;
  let watch = startWatch(o);
  try {
    while (!o.signal.aborted) {
      let required: boolean | null;
      try {
        required = await o.sentinel.rebootRequired();
      } catch (err: unknown) {
        required = null;
        log.warn({ err: messageOf(err) }, 'cannot check the sentinel');
      }
      if (required !== null) o.rebootRequired(required);
      if (required === true)
        return log.info(
          { rebootRequired: true },
          'the node needs a reboot (sentinel found): starting the agent worker',
        );
      // The worker reports an unknown sentinel the way the agent always did (Event SentinelUnknown).
      if (required === null)
        return log.info(
          { rebootRequired: null },
          'starting the agent worker to report the sentinel that cannot be checked',
        );
      const pollMs =
        watch === null || settings.reboot.sentinelCommand !== null
          ? settings.checkIntervalMs
          : Math.max(settings.checkIntervalMs, SENTINEL_SAFETY_POLL_MS);
      const nextMs = clock.now() + pollMs;
      o.progressed(nextMs);
      const woke = new AbortController();
      const signal = AbortSignal.any([o.signal, woke.signal]);
      const event = await Promise.race([
        clock.sleep(nextMs - clock.now(), signal).then(() => 'timer' as const),
        watch?.next(signal) ?? new Promise<never>(() => undefined),
      ]);
      woke.abort();
      if (event === 'lost') {
        log.warn(
          { err: watch?.lostBecause() ?? null },
          `lost the watch of the sentinel file; checking it every ${formatDuration(settings.checkIntervalMs)}`,
        );
        watch = null;
      }
    }
  } finally {
    watch?.close();
  }
}

/** Starts the watch of the sentinel file's directory; null (and a warning) when it cannot run. */
function startWatch(o: SentinelWaitOptions): SentinelWatch | null {
  const file = o.settings.reboot.sentinelFile;
  if (o.watchSentinel === undefined || file === null) return null;
  try {
    return o.watchSentinel(file);
  } catch (err: unknown) {
    o.log.warn(
      { err: messageOf(err) },
      `cannot watch the sentinel file ${file}; checking it every ${formatDuration(o.settings.checkIntervalMs)}`,
    );
    return null;
  }
}
