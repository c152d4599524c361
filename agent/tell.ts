// Telling people: Events on the Node, notifications, the observer (metrics) and log lines. All of
// it is best effort and never delays or breaks a step: sends run in the background and their
// failures are only logged.
import { messageOf } from '../policy/errors.ts';
import type { BlockReason } from './core/blockers.ts';
import type { Action, Facts, Tell, WaitReason } from './core/facts.ts';
import type { NodeEvent } from '../kube/ports.ts';
import type { Runtime } from './runtime.ts';
import type { Phase } from '../policy/state.ts';

/** Reasons of Events told once when the agent starts waiting for them. */
const WAIT_EVENTS: Partial<Record<WaitReason, Pick<NodeEvent, 'type' | 'reason'>>> = {
  'sentinel-unknown': { type: 'Warning', reason: 'SentinelUnknown' },
  hold: { type: 'Normal', reason: 'RebootHeld' },
  paused: { type: 'Normal', reason: 'RebootPaused' },
  'outside-window': { type: 'Normal', reason: 'WaitingForWindow' },
  'window-too-short': { type: 'Normal', reason: 'WaitingForWindow' },
  grant: { type: 'Normal', reason: 'WaitingForGrant' },
  blocked: { type: 'Normal', reason: 'RebootBlocked' },
};

/** The agent's voice: Events, notifications, observer and log, all best effort. */
export interface Teller {
  /** Sends an action's Event and notification in the background. */
  tell(tell: Tell | undefined): void;
  /** Records an Event in the background. */
  event(event: NodeEvent): void;
  /** Tells what changed with this decision: phase, blockers, waiting reason, loop guard. */
  decided(action: Action, facts: Facts): void;
  /** Resolves once every Event and notification sent so far is done (recorded, sent or given up). */
  settled(): Promise<void>;
}

/** A Teller for one agent process (it remembers what it told, to tell only changes). */
export function createTeller(rt: Pick<Runtime, 'ports' | 'nodeName' | 'log' | 'observer' | 'dryRun'>): Teller {
  let phase: Phase | null | undefined;
  let blockedKey: string | undefined;
  let waitKey: string | undefined;
  let looping = false;
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    const done = p.finally(() => pending.delete(done));
    pending.add(done);
  };

  const event = (e: NodeEvent): void => {
    rt.log.info({ event: e.reason, type: e.type }, e.message);
    track(
      rt.ports.events
        .record(rt.nodeName, e)
        .catch((err: unknown) => rt.log.warn({ err: messageOf(err) }, `event ${e.reason} not recorded`)),
    );
  };

  const setBlocked = (reasons: readonly BlockReason[]): void => {
    const key = JSON.stringify(reasons);
    if (key === blockedKey) return;
    blockedKey = key;
    rt.observer.blocked(reasons);
  };

  const setLooping = (active: boolean): void => {
    if (active === looping) return;
    looping = active;
    rt.observer.rebootLoop(active);
  };

  return {
    event,
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    tell(t) {
      if (t?.event) event(t.event);
      if (t?.notify && !rt.dryRun) {
        const { event: what, reason } = t.notify;
        track(
          rt.ports.notifier
            .send(what, reason)
            .catch((err: unknown) => rt.log.warn({ err: messageOf(err) }, `notification ${what} not sent`)),
        );
      }
    },
    decided(action, facts) {
      const current = facts.state.kind === 'ok' ? facts.state.state.phase : null;
      if (current !== phase) {
        phase = current;
        rt.observer.phase(current);
      }
      if (action.kind === 'watch' || action.kind === 'checkBlockers' || action.kind === 'markRebootRequired') return;
      if (action.kind !== 'wait') {
        setBlocked([]);
        setLooping(false);
        waitKey = undefined;
        return;
      }
      setBlocked(action.blockers ?? []);
      setLooping(action.reason === 'reboot-loop');
      const key = action.reason === 'blocked' ? `blocked ${action.detail}` : action.reason;
      if (key === waitKey) return;
      waitKey = key;
      rt.log.info(
        {
          waiting: action.reason,
          ...(action.untilMs !== undefined ? { until: new Date(action.untilMs).toISOString() } : {}),
        },
        action.detail,
      );
      const e = WAIT_EVENTS[action.reason];
      if (e !== undefined) event({ ...e, message: action.detail });
    },
  };
}
