// Situations for the decision table tests (agent/decide*.test.ts): a node g1 of pool `general`, in a
// window Monday 22:00 - Tuesday 05:00 UTC, drain timeout 30m and expected reboot time 10m (so a
// start needs 40m of window left), its grant watch running and no grant unless a row gives one
// (epoch EPOCH by default). Only what a row changes is written.
import { count, MINUTE, testConfig } from './config.ts';
import type { AgentConfig, WindowSpec } from '../../policy/model.ts';
import type { BlockReason } from '../../agent/core/blockers.ts';
import { nextAction } from '../../agent/core/decide.ts';
import type { Action, DrainOutcome, Facts } from '../../agent/core/facts.ts';
import { REBOOT_REQUIRED_LABEL } from '../../policy/keys.ts';
import type { Grant, NodeInfo } from '../../kube/ports.ts';
import type { LastReboot, NodeState, Phase, StateRead } from '../../policy/state.ts';

export const at = (isoTime: string): number => Date.parse(isoTime);
/** Monday 2026-06-01 22:00 UTC: the window opens. */
export const OPEN = at('2026-06-01T22:00:00Z');
/** Tuesday 05:00 UTC: the window closes. */
export const CLOSE = at('2026-06-02T05:00:00Z');
/** An hour into the window. */
export const NOW = OPEN + 60 * MINUTE;

export const WINDOW: readonly WindowSpec[] = [
  { days: [1], start: { hour: 22, minute: 0 }, end: { kind: 'time', time: { hour: 5, minute: 0 } }, timeZone: 'UTC' },
];

export const CONFIG = testConfig({
  windows: WINDOW,
  budget: count(1),
  preReboot: { 'example.com/maintenance': 'reboot' },
  postReboot: { 'example.com/patched': 'true' },
});

export interface Situation {
  readonly config?: AgentConfig;
  readonly now?: number;
  readonly node?: Partial<Pick<NodeInfo, 'labels' | 'annotations' | 'unschedulable' | 'ready'>> | null;
  readonly state?: NodeState | StateRead;
  readonly rebootRequired?: boolean | null;
  readonly bootId?: string;
  /** g1's grant (epoch): undefined or null: none; false: the grant watch is not running. */
  readonly grant?: string | null | false;
  /** The hooks' states on g1's grant (spec.hooks). */
  readonly hooks?: Grant['hooks'];
  /** A fresh read proved this grant lost. */
  readonly lost?: { readonly epoch: string; readonly reason: string };
  /** Clear and fresh by default; null: not checked. */
  readonly blockers?: readonly BlockReason[] | null;
  readonly blockersAgeMs?: number;
  readonly blockersSinceLastStep?: boolean;
  readonly drain?: DrainOutcome | null;
  readonly rebootCommandedMs?: number | null;
  readonly dryRun?: boolean;
  readonly dryRunReportedMs?: number | null;
  readonly lastReboot?: LastReboot | null;
}

/** The epoch of g1's grant in the fixtures. */
export const EPOCH = 'epoch-1';

/** g1's grant of epoch `epoch`. */
export function grantOf(epoch: string): Grant {
  return {
    node: 'g1',
    policy: 'general',
    epoch,
    nodeUid: 'uid-g1',
    grantedMs: NOW - 10 * MINUTE,
    renewedMs: NOW - MINUTE,
    ttlMs: 15 * MINUTE,
    resourceVersion: '1',
  };
}

/** A recorded state of g1 in `phase`, with what that phase always has. */
export function state(phase: Phase, extra: Partial<NodeState> = {}): NodeState {
  const base: NodeState = {
    phase,
    policy: 'general',
    attempt: 1,
    bootId: 'boot-1',
    ...(phase === 'cordoning' || phase === 'draining' || phase === 'rebooting' || phase === 'recovering'
      ? { grant: EPOCH }
      : {}),
    cordoned: phase !== 'acquiring' && phase !== 'failed',
    labels: {},
    startedMs: NOW - 10 * MINUTE,
    sinceMs: NOW - 5 * MINUTE,
  };
  const byPhase: Partial<NodeState> =
    phase === 'draining'
      ? { drainDeadlineMs: NOW + 25 * MINUTE }
      : phase === 'rebooting'
        ? { drainDeadlineMs: NOW, rebootAtMs: NOW - MINUTE }
        : phase === 'recovering'
          ? { outcome: 'rebooted' }
          : {};
  return { ...base, ...byPhase, ...extra };
}

export function facts(s: Situation = {}): Facts {
  const now = s.now ?? NOW;
  const required = s.rebootRequired === undefined ? true : s.rebootRequired;
  const node =
    s.node === null
      ? null
      : {
          labels: { pool: 'general', ...(required ? { [REBOOT_REQUIRED_LABEL]: 'true' } : {}), ...s.node?.labels },
          annotations: { ...s.node?.annotations },
          unschedulable: s.node?.unschedulable ?? false,
          ready: s.node?.ready ?? true,
        };
  const st: StateRead =
    s.state === undefined ? { kind: 'none' } : 'kind' in s.state ? s.state : { kind: 'ok', state: s.state };
  const grant =
    s.grant === false
      ? null
      : {
          mine: typeof s.grant === 'string' ? { ...grantOf(s.grant), ...(s.hooks ? { hooks: s.hooks } : {}) } : null,
          lost: s.lost ?? null,
        };
  const blockers =
    s.blockers === null
      ? null
      : {
          checkedAtMs: now - (s.blockersAgeMs ?? 0),
          reasons: s.blockers ?? [],
          sinceLastStep: s.blockersSinceLastStep ?? true,
        };
  return {
    nodeName: 'g1',
    node,
    state: st,
    lastReboot: s.lastReboot ?? null,
    rebootRequired: required,
    bootId: s.bootId ?? 'boot-1',
    grant,
    blockers,
    drain: s.drain ?? null,
    rebootCommandedMs: s.rebootCommandedMs ?? null,
    dryRun: s.dryRun ?? false,
    dryRunReportedMs: s.dryRunReportedMs ?? null,
  };
}

/** What g1 does next in situation `s`. */
export function act(s: Situation = {}): Action {
  return nextAction(facts(s), s.config ?? CONFIG, s.now ?? NOW);
}
