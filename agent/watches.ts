// The watch of the node's own grant (one Lease, selected by name) and the keeper that renews it
// every TTL/3 while the node holds it. Both run only while the agent wants or holds a grant: an
// idle agent watches nothing but its own Node. A renewal that finds the grant gone or replaced
// wakes the loop, which then sees the loss in its facts and stops the attempt (never a log line
// only: STYLE.md 14).
import { messageOf } from '../policy/errors.ts';
import type { AgentObserver } from './observer.ts';
import type { Log } from '../io/log.ts';
import type { Cache, Grant, Grants } from '../kube/ports.ts';
import type { Clock } from '../policy/clock.ts';

/** The running grant watch; `stop` ends it and the keeper. */
export interface GrantWatch {
  readonly grant: Cache<Grant>;
  stop(): void;
}

/** What the grant watch and its keeper need. */
export interface GrantWatchOptions {
  readonly grants: Grants;
  readonly clock: Clock;
  readonly nodeName: string;
  readonly ttlMs: number;
  readonly observer: AgentObserver;
  /** The keeper runs beside the loop, which logs its own failed calls: a failed renewal is logged here. */
  readonly log: Log;
  /** Called on every change of the grant, and when a renewal finds it lost. */
  readonly onChange: () => void;
  readonly signal: AbortSignal;
}

/** Starts the watch of this node's grant and the keeper that renews it. */
export async function startGrantWatch(o: GrantWatchOptions): Promise<GrantWatch> {
  const grant = await o.grants.watchOwn(o.nodeName);
  const off = grant.onChange(o.onChange);
  const stopKeeper = new AbortController();
  void keepGrant(o, grant, AbortSignal.any([o.signal, stopKeeper.signal]));
  return {
    grant,
    stop() {
      stopKeeper.abort();
      off();
      grant.stop();
    },
  };
}

/** Renews the grant this node holds, at once and then every TTL/3 (sooner after an error). */
async function keepGrant(o: GrantWatchOptions, cache: Cache<Grant>, signal: AbortSignal): Promise<void> {
  const periodMs = Math.max(1, Math.floor(o.ttlMs / 3));
  while (!signal.aborted) {
    let failed = false;
    for (const g of cache.list().filter((x) => x.node === o.nodeName)) {
      if (signal.aborted) return;
      try {
        if (!(await o.grants.renew(g, o.clock.now()))) {
          o.log.warn(
            { epoch: g.epoch },
            `the grant ${g.epoch} is gone or replaced; the agent stops what it does under it`,
          );
          o.onChange();
        }
      } catch (err: unknown) {
        if (signal.aborted) return;
        failed = true;
        o.observer.error('renew grant', messageOf(err));
        o.log.warn({ err: messageOf(err), epoch: g.epoch }, 'renewing the grant failed; trying again');
      }
    }
    await o.clock.sleep(failed ? Math.min(periodMs, 5_000) : periodMs, signal);
  }
}
