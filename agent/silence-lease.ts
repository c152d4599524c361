// The attempt's Alertmanager silence, held as a lease (spec.silences). The core decides when it is
// created (granted, before the cordon) and ended (after the uncordon); this shell carries that out
// and keeps it alive in between: the keeper extends it every third of its duration, from a timer
// of its own, since a drain can outlast it while the loop is busy and the agent is down during the
// reboot itself. The keeper runs whenever the record names a silence not yet ended, so an agent
// restarted mid-reboot extends (or ends) the silence its record names. Never past maxDuration after
// its creation: a reboot that is stuck pages again.
//
// Creating is required: a failure throws, the loop backs off and tries again, and the node is not
// cordoned without its silence. Extending and ending are best effort: a failure is told (log,
// Event) and the silence lapses by itself within its duration.
import { messageOf } from '../policy/errors.ts';
import type { SilenceSettings } from '../policy/model.ts';
import { extendEveryMs, fillMatchers, silenceEndsAt } from '../policy/silence.ts';
import type { NodeState, SilenceRecord, StateRead } from '../policy/state.ts';
import { withSilence } from './core/silence.ts';
import type { Action } from './core/facts.ts';
import type { SilenceWrite, Silences } from './ports.ts';
import type { Runtime } from './runtime.ts';
import type { Teller } from './tell.ts';

/** The running extension of one silence. */
export interface SilenceKeeper {
  /** The id the keeper started with (the record's). */
  readonly id: string;
  /** The id Alertmanager answered last (a lapsed silence extended comes back under a new id). */
  latestId(): string;
  stop(): void;
}

type Rt = Pick<Runtime, 'config' | 'nodeName' | 'ports' | 'clock' | 'log' | 'observer' | 'signal' | 'memory'>;

const iso = (ms: number): string => new Date(ms).toISOString();

function writeOf(rt: Rt, settings: SilenceSettings, startsAtMs: number, endsAtMs: number, id?: string): SilenceWrite {
  return {
    ...(id !== undefined ? { id } : {}),
    matchers: fillMatchers(settings.matchers, { node: rt.nodeName, policy: rt.config.policy.name }),
    startsAtMs,
    endsAtMs,
    createdBy: `patchwindow agent on ${rt.nodeName}`,
    comment: `node ${rt.nodeName} is being rebooted by patchwindow (policy ${rt.config.policy.name})`,
  };
}

function portOf(rt: Rt): { settings: SilenceSettings; silences: Silences } {
  const settings = rt.config.policy.silences;
  const silences = rt.ports.silences;
  if (settings === null || silences === undefined || silences === null)
    throw new Error('the agent has no silence settings or Alertmanager client; runAgent checks this at start');
  return { settings, silences };
}

/** Carries out a silence action; resolves to the record to write. */
export async function carryOutSilence(
  rt: Rt,
  teller: Teller,
  a: Extract<Action, { kind: 'silence' }>,
): Promise<NodeState> {
  const { settings, silences } = portOf(rt);
  const nowMs = rt.clock.now();
  if (a.op === 'create') {
    const endsAtMs = silenceEndsAt(settings, nowMs, nowMs);
    let id: string;
    try {
      id = await silences.put(writeOf(rt, settings, nowMs, endsAtMs));
    } catch (err: unknown) {
      const message = `${messageOf(err)}; the node is not cordoned before its silence exists (spec.silences), trying again`;
      teller.event({ type: 'Warning', reason: 'SilenceFailed', message });
      throw err;
    }
    teller.event({
      type: 'Normal',
      reason: 'SilenceCreated',
      message: `Alertmanager silence ${id} until ${iso(endsAtMs)}`,
    });
    return withSilence(a.state, 'create', id, nowMs);
  }
  const s = a.state.silence!;
  const keeper = rt.memory.silenceKeeper;
  const id = keeper !== null && keeper.id === s.id ? keeper.latestId() : s.id;
  stopSilenceKeeper(rt);
  // Ending moves its end to the grace, never past maxDuration (a lapsed silence is not revived).
  const endsAtMs = Math.min(nowMs + settings.graceMs, s.startedMs + settings.maxDurationMs);
  if (endsAtMs > nowMs) {
    try {
      await silences.put(writeOf(rt, settings, s.startedMs, endsAtMs, id));
      teller.event({
        type: 'Normal',
        reason: 'SilenceEnded',
        message: `Alertmanager silence ${id} ends at ${iso(endsAtMs)}`,
      });
    } catch (err: unknown) {
      const lapse = iso(Math.min(nowMs + settings.durationMs, s.startedMs + settings.maxDurationMs));
      const message = `could not end Alertmanager silence ${id} (${messageOf(err)}); it lapses by itself by ${lapse}`;
      teller.event({ type: 'Warning', reason: 'SilenceNotEnded', message });
    }
  }
  return withSilence(a.state, 'end', id, nowMs);
}

/** Starts or stops the keeper so that it runs exactly while the record names a silence not ended. */
export function syncSilenceKeeper(rt: Rt, teller: Teller, state: StateRead): void {
  const s = state.kind === 'ok' ? state.state.silence : undefined;
  const live = s !== undefined && !s.ended && rt.config.policy.silences !== null ? s : undefined;
  const keeper = rt.memory.silenceKeeper;
  if (keeper !== null && keeper.id === live?.id) return;
  stopSilenceKeeper(rt);
  if (live !== undefined) rt.memory.silenceKeeper = keep(rt, teller, live);
}

export function stopSilenceKeeper(rt: Pick<Runtime, 'memory'>): void {
  rt.memory.silenceKeeper?.stop();
  rt.memory.silenceKeeper = null;
}

function keep(rt: Rt, teller: Teller, record: SilenceRecord): SilenceKeeper {
  const { settings, silences } = portOf(rt);
  const stop = new AbortController();
  const signal = AbortSignal.any([rt.signal, stop.signal]);
  let id = record.id;
  const run = async (): Promise<void> => {
    // At once on start (after a restart the reboot may have used up much of it), then every third.
    while (!signal.aborted) {
      const nowMs = rt.clock.now();
      const endsAtMs = silenceEndsAt(settings, record.startedMs, nowMs);
      const capped = endsAtMs < nowMs + settings.durationMs;
      if (endsAtMs > nowMs) {
        try {
          const answered = await silences.put(writeOf(rt, settings, record.startedMs, endsAtMs, id));
          if (answered !== id)
            rt.log.info({ silence: answered, was: id }, 'Alertmanager answered with a new silence id');
          id = answered;
          rt.log.debug({ silence: id, endsAt: iso(endsAtMs) }, 'silence extended');
        } catch (err: unknown) {
          rt.observer.error('extend silence', messageOf(err));
          rt.log.warn({ silence: id, err: messageOf(err) }, 'could not extend the silence; trying again');
        }
      }
      if (capped) {
        const message = `Alertmanager silence ${id} is not extended past ${iso(endsAtMs)} (spec.silences.maxDuration ${settings.maxDurationMs / 1000}s): the reboot takes too long, so its alerts page again`;
        teller.event({ type: 'Warning', reason: 'SilenceMaxDurationReached', message });
        return;
      }
      await rt.clock.sleep(extendEveryMs(settings), signal).catch(() => undefined);
    }
  };
  void run().catch((err: unknown) => rt.log.warn({ err: messageOf(err) }, 'silence keeper stopped'));
  return { id: record.id, latestId: () => id, stop: () => stop.abort() };
}
