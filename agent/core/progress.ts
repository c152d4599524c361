// Decisions for a reboot under way (pure): cordoning -> draining -> rebooting -> recovering. Each
// step is recorded on the Node before it is taken, and every step is safe to repeat, so a restart
// anywhere continues here. A started reboot finishes even when the window closes meanwhile.
//
// Recovering undoes what the attempt did, whatever its outcome: labels back (plus the post-reboot
// labels after a reboot), uncordon if and only if the agent cordoned, release the slots, then drop
// the record. `cordoned` is cleared right after the uncordon, so a restart never uncordons again a
// node an admin cordoned in between.
import type { AgentConfig } from '../../policy/model.ts';
import { bootChanged, iso, labelChanges, normal, scheduleOf, wait, warning, writeState } from './decide-common.ts';
import type { Action, Facts } from './facts.ts';
import type { NodeState, Outcome } from '../../policy/state.ts';

/** The next step of a reboot under way (phase cordoning, draining, rebooting or recovering). */
export function decideProgress(f: Facts, config: AgentConfig, nowMs: number, s: NodeState): Action {
  // Slots held during the work are renewed by the shell, which needs the slot watch.
  if (f.budget === null) return { kind: 'watch' };
  switch (s.phase) {
    case 'cordoning':
    case 'draining':
      return beforeReboot(f, config, nowMs, s);
    case 'rebooting':
      return rebooting(f, config, nowMs, s);
    default:
      return recovering(f, config, nowMs, s);
  }
}

function recover(s: NodeState, nowMs: number, outcome: Outcome, reason?: string, keepCordoned = false): NodeState {
  return {
    ...s,
    phase: 'recovering',
    sinceMs: nowMs,
    outcome,
    ...(reason !== undefined ? { reason } : {}),
    ...(keepCordoned ? { keepCordoned } : {}),
  };
}

function beforeReboot(f: Facts, config: AgentConfig, nowMs: number, s: NodeState): Action {
  if (bootChanged(f, s)) {
    return writeState(recover(s, nowMs, 'rebooted'), {
      tell: { event: normal('Rebooted', `the node rebooted during ${s.phase} (boot id ${s.bootId} -> ${f.bootId})`) },
    });
  }
  if (f.rebootRequired === false) {
    return writeState(recover(s, nowMs, 'cancelled', 'the node no longer needs a reboot'), {
      tell: { event: normal('RebootCancelled', `the node no longer needs a reboot; undoing ${s.phase}`) },
    });
  }
  const node = f.node!;
  if (s.phase === 'cordoning') {
    if (s.cordoned && !node.unschedulable)
      return { kind: 'cordon', tell: { event: normal('Cordoned', 'cordoned the node for its reboot') } };
    const pre = config.policy.nodeLabels.preReboot;
    const labels = Object.fromEntries(
      Object.keys(s.labels)
        .filter((k) => pre[k] !== undefined)
        .map((k) => [k, pre[k]!]),
    );
    const draining: NodeState = {
      ...s,
      phase: 'draining',
      sinceMs: nowMs,
      drainDeadlineMs: nowMs + config.policy.drain.timeoutMs,
    };
    return writeState(draining, {
      labels,
      tell: {
        event: normal('Draining', `draining the node (timeout ${iso(draining.drainDeadlineMs!)})`),
        notify: { event: 'drain', reason: '' },
      },
    });
  }
  if (f.drain === null) return { kind: 'drain', deadlineMs: s.drainDeadlineMs! };
  const reboot = (tell: Action['tell']): Action =>
    writeState(
      { ...s, phase: 'rebooting', sinceMs: nowMs, rebootAtMs: nowMs + config.policy.reboot.delayMs },
      { ...(tell ? { tell } : {}) },
    );
  if (f.drain.ok)
    return reboot({
      event: normal('Rebooting', 'drained; rebooting the node'),
      notify: { event: 'reboot', reason: '' },
    });
  const reason = `drain failed: ${f.drain.reason}`;
  switch (config.policy.drain.onFailure) {
    case 'reboot':
      return reboot({
        event: warning('DrainFailed', `${reason}; rebooting anyway (drain.onFailure: reboot)`),
        notify: { event: 'reboot', reason },
      });
    case 'stayCordoned':
      return writeState(recover(s, nowMs, 'failed', reason, true), {
        tell: {
          event: warning('DrainFailed', `${reason}; the node stays cordoned (drain.onFailure: stayCordoned)`),
          notify: { event: 'failed', reason },
        },
      });
    case 'uncordon':
      return writeState(recover(s, nowMs, 'failed', reason), {
        tell: {
          event: warning(
            'DrainFailed',
            `${reason}; undoing; next attempt not before ${iso(retryAfter(config, nowMs))} (drain.onFailure: uncordon)`,
          ),
          notify: { event: 'failed', reason },
        },
      });
  }
}

function rebooting(f: Facts, config: AgentConfig, nowMs: number, s: NodeState): Action {
  if (bootChanged(f, s)) {
    return writeState(recover(s, nowMs, 'rebooted'), {
      tell: { event: normal('Rebooted', `the node is back (boot id ${s.bootId} -> ${f.bootId})`) },
    });
  }
  const rebootAtMs = s.rebootAtMs!;
  if (nowMs < rebootAtMs)
    return wait('reboot-delay', `rebooting at ${iso(rebootAtMs)} (reboot.delay)`, { untilMs: rebootAtMs, watch: true });
  const deadlineMs = rebootAtMs + 2 * config.policy.reboot.expectedDurationMs;
  if (nowMs >= deadlineMs) {
    const reason = `the node did not reboot: same boot id ${s.bootId} at ${iso(nowMs)}, reboot commanded at ${iso(rebootAtMs)}`;
    const keep = config.policy.drain.onFailure === 'stayCordoned';
    return writeState(recover(s, nowMs, 'failed', reason, keep), {
      tell: { event: warning('RebootFailed', `${reason}; undoing the attempt`), notify: { event: 'failed', reason } },
    });
  }
  // Commanded again after a restart of the agent: harmless if the first one got through.
  if (f.rebootCommandedMs === null) return { kind: 'reboot' };
  return wait('rebooting', `reboot commanded; expecting the node back before ${iso(deadlineMs)}`, {
    untilMs: deadlineMs,
    watch: true,
  });
}

function recovering(f: Facts, config: AgentConfig, nowMs: number, s: NodeState): Action {
  const node = f.node!;
  const rebooted = s.outcome === 'rebooted';
  if (rebooted && !node.ready)
    return wait('node-not-ready', 'rebooted; waiting for the node to be Ready', { watch: true });
  const post = rebooted ? config.policy.nodeLabels.postReboot : {};
  const labels = labelChanges({ ...s.labels, ...post }, node.labels);
  if (Object.keys(s.labels).length > 0 || Object.keys(labels).length > 0)
    return writeState({ ...s, labels: {} }, { labels });
  if (s.cordoned && s.keepCordoned) {
    const message = 'the node stays cordoned after the failed attempt; uncordon it (kubectl uncordon) once it is fixed';
    return writeState({ ...s, cordoned: false }, { tell: { event: warning('LeftCordoned', message) } });
  }
  if (s.cordoned && node.unschedulable)
    return { kind: 'uncordon', tell: { event: normal('Uncordoned', 'uncordoned the node') } };
  if (s.cordoned) return writeState({ ...s, cordoned: false });
  if (f.budget!.held.length > 0) return { kind: 'releaseSlots', slots: f.budget!.held };
  switch (s.outcome) {
    case 'rebooted': {
      const survived = f.rebootRequired === true;
      const lastReboot = { atMs: nowMs, bootId: f.bootId, sentinelSurvived: survived };
      if (survived) {
        // The update did not take: a failure, told as one, with when the loop guard allows the next try.
        const reason = `rebooted, but the node still needs a reboot (the update did not take); no new reboot before ${iso(nowMs + config.policy.reboot.loopBackoffMs)} (reboot.loopBackoff)`;
        return writeState(null, {
          lastReboot,
          tell: { event: warning('RebootLoop', reason), notify: { event: 'failed', reason } },
        });
      }
      // A node someone else cordoned stays cordoned: rebooted, but not back in service.
      const event = node.unschedulable
        ? normal(
            'RebootDone',
            `rebooted (attempt ${s.attempt}); the node stays cordoned as it was before the reboot: uncordon it (kubectl uncordon) to put it back in service`,
          )
        : normal('RebootDone', `rebooted and back in service (attempt ${s.attempt})`);
      return writeState(null, { lastReboot, tell: { event, notify: { event: 'done', reason: '' } } });
    }
    case 'cancelled':
      return writeState(null, {
        tell: { event: normal('RebootCancelled', 'attempt undone; the node no longer needs a reboot') },
      });
    default: {
      const retryAfterMs = retryAfter(config, nowMs);
      const failed: NodeState = {
        phase: 'failed',
        policy: s.policy,
        attempt: s.attempt,
        bootId: s.bootId,
        slots: [],
        cordoned: false,
        labels: {},
        startedMs: s.startedMs,
        sinceMs: nowMs,
        retryAfterMs,
        ...(s.reason !== undefined ? { reason: s.reason } : {}),
      };
      return writeState(failed, {
        tell: {
          event: normal('AttemptUndone', `attempt ${s.attempt} undone; next attempt not before ${iso(retryAfterMs)}`),
        },
      });
    }
  }
}

/**
 * When a failed attempt may be tried again: at the end of this window, but not later than the loop
 * back-off (an always open schedule has one window that never ends).
 */
function retryAfter(config: AgentConfig, nowMs: number): number {
  const windowEnd = scheduleOf(config).windowContaining(nowMs)?.endMs ?? nowMs;
  return Math.min(windowEnd, nowMs + config.policy.reboot.loopBackoffMs);
}
