// The agent's decision core (pure): `nextAction(facts, config, now)` says the one next thing to do.
// The loop carries it out, gathers facts again and asks again; a restart at any point just asks
// again from what is recorded on the Node. This module decides whether and how a reboot starts
// (no state, `acquiring`, `failed`); progress.ts decides the steps of one under way.
//
// Start gate, in order: the sentinel says a reboot is needed, no admin hold, no reboot-loop
// back-off, no failed attempt in this window, the window has enough time left (and is not paused).
// Then the agent publishes its request (the `acquiring` record on its Node, with the pod and alert
// blockers' verdict) and waits for the coordinator's grant (docs/decisions/0007). With the grant
// it checks the blockers again and records the grant's epoch (`cordoning`) before it cordons.
import type { AgentConfig } from '../../policy/model.ts';
import { START_HORIZON_MS } from '../../policy/windows.ts';
import { describeBlockReason, holdReason, type BlockReason } from './blockers.ts';
import { iso, labelChanges, neededMs, normal, scheduleOf, wait, warning, writeState } from './decide-common.ts';
import type { Action, Facts, WaitReason } from './facts.ts';
import { REBOOT_REQUIRED_LABEL, STATE_ANNOTATION } from '../../policy/keys.ts';
import { decideProgress } from './progress.ts';
import { requestRefreshedMs, type NodeState } from '../../policy/state.ts';

/** The next action of the agent of `facts.nodeName`. Pure and cheap: no I/O, no clock. */
export function nextAction(f: Facts, config: AgentConfig, nowMs: number): Action {
  if (f.node === null) return wait('node-unknown', `the agent does not see its Node ${f.nodeName}`, { watch: false });
  const marked = f.node.labels[REBOOT_REQUIRED_LABEL] === 'true';
  // A dry run writes nothing on the Node, not even this mark.
  if (f.rebootRequired !== null && f.rebootRequired !== marked && !f.dryRun) {
    const tell = f.rebootRequired
      ? { event: normal('RebootRequired', 'the node needs a reboot (sentinel found)') }
      : { event: normal('RebootNotRequired', 'the node no longer needs a reboot') };
    return { kind: 'markRebootRequired', required: f.rebootRequired, tell };
  }
  if (f.state.kind === 'corrupt') {
    if (f.grant === null) return { kind: 'watch' };
    if (f.grant.mine !== null) return { kind: 'releaseGrant', grant: f.grant.mine };
    const message = `annotation ${STATE_ANNOTATION} ${f.state.problem}; discarded. The agent leaves cordon and labels as they are: check the node (the value was ${JSON.stringify(f.state.raw.slice(0, 300))})`;
    return writeState(null, { tell: { event: warning('StateDiscarded', message) } });
  }
  const state = f.state.kind === 'ok' ? f.state.state : null;
  if (state === null || state.phase === 'acquiring' || state.phase === 'failed')
    return decideStart(f, config, nowMs, state);
  return decideProgress(f, config, nowMs, state);
}

/**
 * The agent has nothing to do until the node needs a reboot: no reboot required, nothing recorded
 * (no state, hence no grant: a grant is released before the record is cleared), and no watch needed.
 * An agent run by the supervisor exits here; the supervisor checks the sentinel without it.
 */
export function isIdle(action: Action, f: Facts): boolean {
  return (
    action.kind === 'wait' &&
    action.reason === 'not-required' &&
    !action.watch &&
    f.state.kind === 'none' &&
    (f.grant?.mine ?? null) === null
  );
}

interface Why {
  readonly reason: WaitReason;
  readonly detail: string;
  readonly untilMs?: number | undefined;
  /** What holds the node, for the blocked metric (a hold). */
  readonly blockers?: readonly BlockReason[];
}

/** Why the node may not start (or keep trying to start) now, blockers and budget aside. */
export function whyNotStart(f: Facts, config: AgentConfig, nowMs: number, state: NodeState | null): Why | undefined {
  if (f.rebootRequired === null) return { reason: 'sentinel-unknown', detail: 'the sentinel could not be checked' };
  if (!f.rebootRequired) return { reason: 'not-required', detail: 'no reboot needed' };
  const hold = f.node === null ? undefined : holdReason(f.node);
  if (hold !== undefined) return { reason: 'hold', detail: describeBlockReason(hold), blockers: [hold] };
  const last = f.lastReboot;
  if (last?.sentinelSurvived && nowMs < last.atMs + config.policy.reboot.loopBackoffMs) {
    const untilMs = last.atMs + config.policy.reboot.loopBackoffMs;
    return {
      reason: 'reboot-loop',
      detail: `the sentinel survived the last reboot; no new reboot before ${iso(untilMs)}`,
      untilMs,
    };
  }
  // Always set on a failed record (decodeState finds one without it corrupt); the test narrows the type.
  if (state?.phase === 'failed' && state.retryAfterMs !== undefined && nowMs < state.retryAfterMs) {
    return {
      reason: 'retry-later',
      detail: `attempt ${state.attempt} failed (${state.reason ?? 'unknown reason'}); next attempt not before ${iso(state.retryAfterMs)}`,
      untilMs: state.retryAfterMs,
    };
  }
  const gate = scheduleOf(config).canStart(nowMs, neededMs(config));
  if (!gate.ok) {
    const what = {
      paused: 'the policy is paused',
      'outside-window': 'outside the maintenance window',
      'window-too-short': 'too little time left in the window for drain and reboot',
    }[gate.reason];
    const detail =
      gate.nextStartMs === undefined
        ? `${what}; no start possible within ${START_HORIZON_MS / 86_400_000} days`
        : `${what}; next start ${iso(gate.nextStartMs)}`;
    return { reason: gate.reason, detail, untilMs: gate.nextStartMs };
  }
  if (f.dryRun && f.dryRunReportedMs !== null && f.dryRunReportedMs >= gate.window.startMs) {
    return {
      reason: 'dry-run-done',
      detail: `dry run: reported for this window; next report in the next window`,
      untilMs: gate.window.endMs,
    };
  }
  return undefined;
}

function decideStart(f: Facts, config: AgentConfig, nowMs: number, state: NodeState | null): Action {
  const acquiring = state?.phase === 'acquiring' ? state : null;
  const why = whyNotStart(f, config, nowMs, state);
  if (why !== undefined) {
    if (acquiring !== null) return abandon(f, nowMs, acquiring, why.reason === 'dry-run-done' ? undefined : why.detail);
    if (state?.phase === 'failed' && f.rebootRequired === false) return writeState(null);
    // A grant the node does not need (given for a request since withdrawn) goes back at once.
    if (f.grant !== null && f.grant.mine !== null) return { kind: 'releaseGrant', grant: f.grant.mine };
    return wait(why.reason, why.detail, {
      untilMs: why.untilMs,
      watch: false,
      ...(why.blockers !== undefined ? { blockers: why.blockers } : {}),
    });
  }
  const fresh = f.blockers !== null && nowMs - f.blockers.checkedAtMs < config.agent.checkIntervalMs;
  if (!fresh) return { kind: 'checkBlockers' };
  const blocked = f.blockers.reasons.length > 0 ? f.blockers.reasons.map(describeBlockReason).join('; ') : undefined;
  // Dry run: no request, no grant, nothing written; it says what it would do once granted.
  if (f.dryRun)
    return blocked === undefined
      ? dryRun(f, config)
      : wait('blocked', blocked, {
          untilMs: nowMs + config.agent.checkIntervalMs,
          watch: false,
          blockers: f.blockers.reasons,
        });
  if (f.grant === null) return { kind: 'watch' };
  // The request: published (or its blockers' verdict updated) before anything else.
  if (acquiring === null || acquiring.blocked !== blocked) {
    const request = unblocked(acquiring ?? acquiringState(f, nowMs, config, state));
    return writeState(blocked === undefined ? request : { ...request, blocked });
  }
  const mine = f.grant.mine;
  // While it waits, the agent refreshes its request: the coordinator grants only a request
  // refreshed within the grant TTL, so a stalled agent is not granted (again) before it is back.
  const refreshAtMs = requestRefreshedMs(acquiring) + refreshEveryMs(config);
  if (mine === null && nowMs >= refreshAtMs) return writeState({ ...acquiring, renewedMs: nowMs });
  const untilMs = Math.min(nowMs + config.agent.checkIntervalMs, refreshAtMs);
  if (blocked !== undefined) {
    if (mine !== null) return { kind: 'releaseGrant', grant: mine };
    return wait('blocked', blocked, { untilMs, watch: true, blockers: f.blockers.reasons });
  }
  if (mine === null) {
    return wait('grant', 'waiting for the coordinator to grant a reboot (request published on the Node)', {
      untilMs,
      watch: true,
    });
  }
  // Granted: the blockers once more, checked after the last step, right before the cordon.
  if (!f.blockers.sinceLastStep) return { kind: 'checkBlockers' };
  const node = f.node!;
  const labels = labelChanges(config.policy.nodeLabels.preReboot, node.labels);
  const cordoning: NodeState = {
    ...acquiring,
    phase: 'cordoning',
    sinceMs: nowMs,
    bootId: f.bootId,
    grant: mine.epoch,
    cordoned: false,
    labels: Object.fromEntries(Object.keys(labels).map((k) => [k, node.labels[k] ?? null])),
  };
  const event = node.unschedulable
    ? normal('AlreadyCordoned', 'granted a reboot; the node was cordoned by someone else and stays cordoned afterwards')
    : normal('Cordoning', `granted a reboot (attempt ${acquiring.attempt}): cordoning the node`);
  return writeState(cordoning, { tell: { event } });
}

/** Dry run: what the agent would do once granted (it publishes no request and takes no grant). */
function dryRun(f: Facts, config: AgentConfig): Action {
  const node = f.node!;
  return {
    kind: 'reportDryRun',
    cordon: !node.unschedulable,
    labels: labelChanges(config.policy.nodeLabels.preReboot, node.labels),
  };
}

/** A third of the grant TTL, as the grant itself is renewed: two refreshes may fail before it is silent. */
function refreshEveryMs(config: AgentConfig): number {
  return Math.max(1, Math.floor(config.agent.slotTtlMs / 3));
}

/** `s` without the blockers' verdict. */
function unblocked(s: NodeState): NodeState {
  const { blocked, ...rest } = s;
  void blocked;
  return rest;
}

function acquiringState(f: Facts, nowMs: number, config: AgentConfig, previous: NodeState | null): NodeState {
  return {
    phase: 'acquiring',
    policy: config.policy.name,
    attempt: previous?.phase === 'failed' ? previous.attempt + 1 : 1,
    bootId: f.bootId,
    cordoned: false,
    labels: {},
    startedMs: nowMs,
    sinceMs: nowMs,
    ...(previous?.reason !== undefined ? { reason: previous.reason } : {}),
  };
}

/**
 * Withdraws the request: give back a grant given meanwhile, then drop the record (keeping a
 * failure count, as a failed record the next start may retry at once).
 */
function abandon(f: Facts, nowMs: number, s: NodeState, why: string | undefined): Action {
  if (f.grant === null) return { kind: 'watch' };
  if (f.grant.mine !== null) return { kind: 'releaseGrant', grant: f.grant.mine };
  const tell = why === undefined ? {} : { tell: { event: normal('RebootPostponed', why) } };
  if (s.attempt === 1) return writeState(null, tell);
  return writeState({ ...unblocked(s), phase: 'failed', attempt: s.attempt - 1, retryAfterMs: nowMs }, tell);
}
