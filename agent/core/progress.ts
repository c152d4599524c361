// Decisions for a reboot under way (pure): cordoning -> draining -> rebooting -> recovering. Each
// step is recorded on the Node before it is taken, and every step is safe to repeat, so a restart
// anywhere continues here. A started reboot finishes even when the window closes meanwhile.
//
// Every step runs under the grant whose epoch the record names: when the grant is gone (the watch
// shows it, or a fresh read right before a step proved it) the attempt stops at once and is undone
// (outcome `lost`), and the node asks again. The shell re-checks the grant with a fresh read right
// before each step that cannot be undone (cordon, each eviction round, the reboot command).
//
// Recovering undoes what the attempt did, whatever its outcome: labels back (plus the post-reboot
// labels after a reboot), uncordon if and only if the cordon carries this attempt's mark (even when
// the record never saw the cordon go through), give the grant back, then drop the record. The
// uncordon removes the mark, so a restart never uncordons again a node an admin cordoned in between.
import type { AgentConfig } from '../../policy/model.ts';
import { bootChanged, iso, labelChanges, normal, scheduleOf, wait, warning, writeState } from './decide-common.ts';
import type { Action, Facts } from './facts.ts';
import { CORDONED_BY_ANNOTATION } from '../../policy/keys.ts';
import type { NodeState, Outcome } from '../../policy/state.ts';
import type { FailureKind, FailureNote } from '../../policy/failures.ts';
import { silenceAfterUncordon, silenceBeforeCordon } from './silence.ts';
import { postHookStep, preHookGate } from './hooks.ts';

/** The next step of a reboot under way (phase cordoning, draining, rebooting or recovering). */
export function decideProgress(f: Facts, config: AgentConfig, nowMs: number, s: NodeState): Action {
  // The grant held during the work is renewed by the shell, which needs the grant watch.
  if (f.grant === null) return { kind: 'watch' };
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
  const lost = grantLost(f, s);
  if (lost !== undefined) return stop(s, nowMs, lost);
  const node = f.node!;
  const epoch = s.grant!;
  if (s.phase === 'cordoning') {
    const silence = silenceBeforeCordon(config, s);
    if (silence !== undefined) return silence;
    const ours = node.annotations[CORDONED_BY_ANNOTATION] === epoch;
    // The pre-reboot hook before anything else is done to the node (its own cordon proves it passed).
    const gate = ours ? undefined : preHookGate(f, config, s);
    if (gate !== undefined && 'wait' in gate) return gate.wait;
    if (gate !== undefined) {
      const next = iso(retryAfter(config, nowMs));
      return writeState(recover(s, nowMs, 'failed', gate.abort), {
        failure: failure(s, nowMs, 'pre-hook', gate.abort),
        tell: {
          event: warning(
            'PreHookFailed',
            `${gate.abort}; not cordoning, undoing; next attempt not before ${next} (hooks.preReboot.onFailure: abort)`,
          ),
          notify: { event: 'failed', reason: gate.abort },
        },
      });
    }
    if (!ours && !node.unschedulable)
      return { kind: 'cordon', epoch, tell: { event: normal('Cordoned', 'cordoned the node for its reboot') } };
    const pre = config.policy.nodeLabels.preReboot;
    const labels = Object.fromEntries(
      Object.keys(s.labels)
        .filter((k) => pre[k] !== undefined)
        .map((k) => [k, pre[k]!]),
    );
    // Cordoned by someone else (also between the grant and the cordon): theirs, and it stays.
    const draining: NodeState = {
      ...s,
      phase: 'draining',
      sinceMs: nowMs,
      cordoned: ours,
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
  if (f.drain === null) return { kind: 'drain', deadlineMs: s.drainDeadlineMs!, epoch };
  const reboot = (tell: Action['tell'], failed?: FailureNote): Action =>
    writeState(
      { ...s, phase: 'rebooting', sinceMs: nowMs, rebootAtMs: nowMs + config.policy.reboot.delayMs },
      { ...(tell ? { tell } : {}), ...(failed ? { failure: failed } : {}) },
    );
  if (f.drain.ok)
    return reboot({
      event: normal('Rebooting', 'drained; rebooting the node'),
      notify: { event: 'reboot', reason: '' },
    });
  const reason = `drain failed: ${f.drain.reason}`;
  switch (config.policy.drain.onFailure) {
    case 'reboot':
      return reboot(
        {
          event: warning('DrainFailed', `${reason}; rebooting anyway (drain.onFailure: reboot)`),
          notify: { event: 'reboot', reason },
        },
        failure(s, nowMs, 'drain', reason),
      );
    case 'stayCordoned':
      return writeState(recover(s, nowMs, 'failed', reason, true), {
        failure: failure(s, nowMs, 'drain', reason),
        tell: {
          event: warning('DrainFailed', `${reason}; the node stays cordoned (drain.onFailure: stayCordoned)`),
          notify: { event: 'failed', reason },
        },
      });
    case 'uncordon':
      return writeState(recover(s, nowMs, 'failed', reason), {
        failure: failure(s, nowMs, 'drain', reason),
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
  // Until the command is given, a lost grant stops the attempt; a command already given cannot be
  // taken back (after a restart of the agent it is given again: harmless if the first got through).
  if (f.rebootCommandedMs === null) {
    const lost = grantLost(f, s);
    if (lost !== undefined) return stop(s, nowMs, lost);
  }
  const rebootAtMs = s.rebootAtMs!;
  if (nowMs < rebootAtMs)
    return wait('reboot-delay', `rebooting at ${iso(rebootAtMs)} (reboot.delay)`, { untilMs: rebootAtMs, watch: true });
  const deadlineMs = rebootAtMs + 2 * config.policy.reboot.expectedDurationMs;
  if (nowMs >= deadlineMs) {
    const reason = `the node did not reboot: same boot id ${s.bootId} at ${iso(nowMs)}, reboot commanded at ${iso(rebootAtMs)}`;
    const keep = config.policy.drain.onFailure === 'stayCordoned';
    return writeState(recover(s, nowMs, 'failed', reason, keep), {
      failure: failure(s, nowMs, 'reboot', reason),
      tell: { event: warning('RebootFailed', `${reason}; undoing the attempt`), notify: { event: 'failed', reason } },
    });
  }
  if (f.rebootCommandedMs === null) return { kind: 'reboot', epoch: s.grant! };
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
  if (s.keepCordoned) {
    if (s.cordoned) {
      const message =
        'the node stays cordoned after the failed attempt; uncordon it (kubectl uncordon) once it is fixed';
      return writeState({ ...s, cordoned: false }, { tell: { event: warning('LeftCordoned', message) } });
    }
  } else if (s.grant !== undefined && node.annotations[CORDONED_BY_ANNOTATION] === s.grant) {
    // The mark decides, not `cordoned`: a cordon whose PATCH went through while its answer was lost
    // (the API cut, the grant then lost during cordoning) is this attempt's, though the record never
    // said so. The uncordon removes the mark in the same PATCH, so a cordon an admin makes later
    // carries none and is never undone.
    return { kind: 'uncordon', epoch: s.grant, tell: { event: normal('Uncordoned', 'uncordoned the node') } };
  }
  if (s.cordoned) return writeState({ ...s, cordoned: false });
  const silence = silenceAfterUncordon(config, s);
  if (silence !== undefined) return silence;
  const hook = postHookStep(f, config, s, nowMs);
  if (hook !== undefined) return hook;
  if (f.grant!.mine !== null) return { kind: 'releaseGrant', grant: f.grant!.mine };
  switch (s.outcome) {
    case 'rebooted': {
      const survived = f.rebootRequired === true;
      const lastReboot = { atMs: nowMs, bootId: f.bootId, sentinelSurvived: survived };
      if (survived) {
        // The update did not take: a failure, told as one, with when the loop guard allows the next try.
        const reason = `rebooted, but the node still needs a reboot (the update did not take); no new reboot before ${iso(nowMs + config.policy.reboot.loopBackoffMs)} (reboot.loopBackoff)`;
        return writeState(null, {
          lastReboot,
          failure: failure(s, nowMs, 'reboot-loop', reason),
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
    case 'lost':
      return writeState(null, {
        tell: {
          event: normal('AttemptUndone', 'attempt undone after its grant was lost; asking the coordinator again'),
        },
      });
    default: {
      const retryAfterMs = retryAfter(config, nowMs);
      const failed: NodeState = {
        phase: 'failed',
        policy: s.policy,
        attempt: s.attempt,
        bootId: s.bootId,
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

/** Why the grant this attempt runs under is not this node's any more; undefined while it is. */
function grantLost(f: Facts, s: NodeState): string | undefined {
  const epoch = s.grant;
  if (epoch === undefined) return 'the record names no grant';
  if (f.grant!.lost?.epoch === epoch) return f.grant!.lost.reason;
  const mine = f.grant!.mine;
  if (mine === null) return `the grant ${epoch} is gone`;
  if (mine.epoch !== epoch) return `the grant ${epoch} was replaced by ${mine.epoch}`;
  return undefined;
}

/** The note of a failed attempt (for spec.halt). */
function failure(s: NodeState, nowMs: number, kind: FailureKind, reason: string): FailureNote {
  return { atMs: nowMs, policy: s.policy, kind, reason };
}

/** Stops the attempt: its grant is lost. Undone like any other, then the node asks again. */
function stop(s: NodeState, nowMs: number, reason: string): Action {
  const message = `stopping the reboot during ${s.phase}: ${reason}; undoing what this attempt did and asking the coordinator again`;
  return writeState(recover(s, nowMs, 'lost', reason), { tell: { event: warning('GrantLost', message) } });
}
