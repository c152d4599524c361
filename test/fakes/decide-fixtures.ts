// Situations for the decision table tests (agent/decide*.test.ts): a node g1 of pool `general`
// with two peers, in a window Monday 22:00 - Tuesday 05:00 UTC, drain timeout 30m and expected
// reboot time 10m (so a start needs 40m of window left). Only what a row changes is written.
import { count, MINUTE, testConfig } from './config.ts';
import type { AgentConfig, WindowSpec } from '../../policy/model.ts';
import type { BlockReason } from '../../agent/core/blockers.ts';
import { budgetFacts, type BudgetNode } from '../../agent/core/budget.ts';
import { nextAction } from '../../agent/core/decide.ts';
import type { Action, DrainOutcome, Facts } from '../../agent/core/facts.ts';
import { REBOOT_REQUIRED_LABEL } from '../../policy/keys.ts';
import type { NodeInfo, Slot } from '../../kube/ports.ts';
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
  /** Other nodes (g2, g3 ready in pool general by default); null: watches not running. */
  readonly peers?: readonly Partial<BudgetNode>[] | null;
  readonly slots?: readonly Partial<Slot>[];
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

export function peer(name: string, extra: Partial<BudgetNode> = {}): Partial<BudgetNode> {
  return { name, ...extra };
}

/** A slot Lease, renewed just now with a 15m TTL unless said otherwise. */
export function slot(group: string, index: number, holder: string, extra: Partial<Slot> = {}): Partial<Slot> {
  return { group, index, holder, ...extra };
}

/** A recorded state of g1 in `phase`, with what that phase always has. */
export function state(phase: Phase, extra: Partial<NodeState> = {}): NodeState {
  const base: NodeState = {
    phase,
    policy: 'general',
    attempt: 1,
    bootId: 'boot-1',
    slots: phase === 'acquiring' || phase === 'failed' ? [] : [{ group: 'general', index: 0 }],
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
  const config = s.config ?? CONFIG;
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
  const peers = s.peers === undefined ? [peer('g2'), peer('g3')] : s.peers;
  const budget =
    peers === null
      ? null
      : budgetFacts({
          config,
          nodeName: 'g1',
          nodes: [
            {
              name: 'g1',
              labels: node?.labels ?? { pool: 'general' },
              ready: node?.ready ?? true,
              unschedulable: node?.unschedulable ?? false,
            },
            ...peers.map((p) => ({
              name: p.name ?? 'g9',
              labels: p.labels ?? { pool: 'general' },
              ready: p.ready ?? true,
              unschedulable: p.unschedulable ?? false,
            })),
          ],
          slots: (s.slots ?? []).map((x, i) => ({
            group: 'general',
            index: 0,
            holder: 'g2',
            renewTimeMs: now,
            ttlMs: 15 * MINUTE,
            resourceVersion: String(i + 1),
            ...x,
          })),
          nowMs: now,
        });
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
    budget,
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
