// The agent's decision core (pure): `nextAction(facts, config, now)` says the one next thing to do.
// The loop carries it out, gathers facts again and asks again; a restart at any point just asks
// again from what is recorded on the Node. This module decides whether and how a reboot starts
// (no state, `acquiring`, `failed`); progress.ts decides the steps of one under way.
//
// Start gate, in order: the sentinel says a reboot is needed, no admin hold, no reboot-loop
// back-off, no failed attempt in this window, the window has enough time left (and is not paused),
// the budget has a slot for this node, and the pod and alert blockers are clear — evaluated before
// each slot is taken and again, after the last one, right before the node is cordoned.
import type { AgentConfig } from '../../policy/model.ts';
import { START_HORIZON_MS } from '../../policy/windows.ts';
import { describeBlockReason, holdReason, type BlockReason } from './blockers.ts';
import { type GroupBudget } from './budget.ts';
import { FLEET_GROUP } from '../../policy/budget.ts';
import { iso, labelChanges, neededMs, normal, scheduleOf, wait, warning, writeState } from './decide-common.ts';
import type { Action, Facts, WaitReason } from './facts.ts';
import { REBOOT_REQUIRED_LABEL, STATE_ANNOTATION } from '../../policy/keys.ts';
import { decideProgress } from './progress.ts';
import type { NodeState } from '../../policy/state.ts';

/** The next action of the agent of `facts.nodeName`. Pure and cheap: no I/O, no clock. */
export function nextAction(f: Facts, config: AgentConfig, nowMs: number): Action {
  if (f.node === null) return wait('node-unknown', `the agent does not see its Node ${f.nodeName}`, { watch: false });
  const marked = f.node.labels[REBOOT_REQUIRED_LABEL] === 'true';
  if (f.rebootRequired !== null && f.rebootRequired !== marked) {
    const tell = f.rebootRequired
      ? { event: normal('RebootRequired', 'the node needs a reboot (sentinel found)') }
      : { event: normal('RebootNotRequired', 'the node no longer needs a reboot') };
    return { kind: 'markRebootRequired', required: f.rebootRequired, tell };
  }
  if (f.state.kind === 'corrupt') {
    if (f.budget === null) return { kind: 'watch' };
    if (f.budget.held.length > 0) return { kind: 'releaseSlots', slots: f.budget.held };
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
 * (no state, hence no slot: slots are released before the record is cleared), and no watch needed.
 * An agent run by the supervisor exits here; the supervisor checks the sentinel without it.
 */
export function isIdle(action: Action, f: Facts): boolean {
  return (
    action.kind === 'wait' &&
    action.reason === 'not-required' &&
    !action.watch &&
    f.state.kind === 'none' &&
    (f.budget?.held.length ?? 0) === 0
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
    return wait(why.reason, why.detail, {
      untilMs: why.untilMs,
      watch: false,
      ...(why.blockers !== undefined ? { blockers: why.blockers } : {}),
    });
  }
  if (f.budget === null) return { kind: 'watch' };
  const next = f.budget.groups.find((g) => g.mine === null);
  if (next !== undefined && next.candidate === null) {
    return wait('budget', describeBudget(next), { untilMs: next.nextExpiryMs, watch: true, group: next.group });
  }
  if (next !== undefined) {
    const fresh = f.blockers !== null && nowMs - f.blockers.checkedAtMs < config.agent.checkIntervalMs;
    if (!fresh) return { kind: 'checkBlockers' };
    if (f.blockers.reasons.length > 0) return blocked(f, config, nowMs, acquiring, f.blockers.reasons);
    if (acquiring === null) return writeState(acquiringState(f, nowMs, config, state));
    return { kind: 'acquireSlot', group: next.group, candidate: next.candidate! };
  }
  // Every slot held. Slots held without a record are adopted (a crash right after taking them).
  if (acquiring === null) return writeState(acquiringState(f, nowMs, config, state));
  if (f.blockers === null || !f.blockers.sinceLastStep) return { kind: 'checkBlockers' };
  if (f.blockers.reasons.length > 0) return blocked(f, config, nowMs, acquiring, f.blockers.reasons);
  const node = f.node!;
  const labels = labelChanges(config.policy.nodeLabels.preReboot, node.labels);
  if (f.dryRun) return { kind: 'reportDryRun', cordon: !node.unschedulable, labels };
  const cordoning: NodeState = {
    ...acquiring,
    phase: 'cordoning',
    sinceMs: nowMs,
    bootId: f.bootId,
    slots: f.budget.groups.map((g) => ({ group: g.group, index: g.mine!.index })),
    cordoned: !node.unschedulable,
    labels: Object.fromEntries(Object.keys(labels).map((k) => [k, node.labels[k] ?? null])),
  };
  const event = node.unschedulable
    ? normal(
        'AlreadyCordoned',
        'starting a reboot; the node was cordoned by someone else and stays cordoned afterwards',
      )
    : normal('Cordoning', `starting a reboot (attempt ${acquiring.attempt}): cordoning the node`);
  return writeState(cordoning, { tell: { event } });
}

function acquiringState(f: Facts, nowMs: number, config: AgentConfig, previous: NodeState | null): NodeState {
  return {
    phase: 'acquiring',
    policy: config.policy.name,
    attempt: previous?.phase === 'failed' ? previous.attempt + 1 : 1,
    bootId: f.bootId,
    slots: [],
    cordoned: false,
    labels: {},
    startedMs: nowMs,
    sinceMs: nowMs,
    ...(previous?.reason !== undefined ? { reason: previous.reason } : {}),
  };
}

/**
 * Gives up taking slots: release what is held, then drop the record (keeping a failure count, as a
 * failed record the next start may retry at once).
 */
function abandon(f: Facts, nowMs: number, s: NodeState, why: string | undefined): Action {
  if (f.budget === null) return { kind: 'watch' };
  if (f.budget.held.length > 0) return { kind: 'releaseSlots', slots: f.budget.held };
  const tell = why === undefined ? {} : { tell: { event: normal('RebootPostponed', why) } };
  if (s.attempt === 1) return writeState(null, tell);
  return writeState({ ...s, phase: 'failed', attempt: s.attempt - 1, retryAfterMs: nowMs }, tell);
}

function blocked(
  f: Facts,
  config: AgentConfig,
  nowMs: number,
  acquiring: NodeState | null,
  reasons: readonly BlockReason[],
): Action {
  const detail = reasons.map(describeBlockReason).join('; ');
  if (acquiring !== null) return abandon(f, nowMs, acquiring, `blocked: ${detail}`);
  return wait('blocked', detail, { untilMs: nowMs + config.agent.checkIntervalMs, watch: true, blockers: reasons });
}

function describeBudget(g: GroupBudget): string {
  const what = g.group === FLEET_GROUP ? 'fleet-wide cap' : `budget of policy ${g.group}`;
  return `waiting for a slot: ${what} allows ${g.allowed} of ${g.members} nodes unavailable; ${g.inUse} slot(s) taken, ${g.unavailable} other node(s) already unavailable`;
}
