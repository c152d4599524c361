// Which Events the coordinator owes for what holds the fleet (pure): a pool's hold reason and a
// stalled holder are told once when they start (and again when they change), not at every decision.
import type { NodeEvent } from '../kube/ports.ts';
import type { CoreOutput, PoolHold } from './core/model.ts';

/** What was told, and since when each hold and stall has lasted. */
export interface HoldMemory {
  readonly holds: ReadonlyMap<string, { readonly key: string; readonly sinceMs: number }>;
  readonly stalled: ReadonlyMap<string, number>;
}

export const NO_HOLDS: HoldMemory = { holds: new Map(), stalled: new Map() };

/** An Event to record on a node. */
export interface Telling {
  readonly node: string;
  readonly event: NodeEvent;
}

const WARNINGS = new Set<PoolHold['reason']>([
  'held-by-unavailable',
  'stalled-holder',
  'health-gate',
  'silent-requester',
]);
const EVENT_REASONS: Partial<Record<PoolHold['reason'], string>> = {
  'held-by-unavailable': 'PoolHeldByUnavailableNodes',
  'stalled-holder': 'PoolHeldByStalledGrant',
  'health-gate': 'PoolHeldByHealthGate',
  'silent-requester': 'RequestNotRefreshed',
};

/** The Events owed for `out` given what was told before, and the memory to keep. `waiters`: the nodes that wait, by policy. */
export function tellHolds(
  memory: HoldMemory,
  out: CoreOutput,
  waiters: ReadonlyMap<string, readonly string[]>,
  nowMs: number,
): { memory: HoldMemory; tell: Telling[] } {
  const tell: Telling[] = [];
  const holds = new Map<string, { key: string; sinceMs: number }>();
  for (const h of out.holds) {
    // A health gate's detail names the failing check and object: a change of cause is told again.
    const key = `${h.reason}|${h.nodes.join(',')}${h.reason === 'health-gate' ? `|${h.detail}` : ''}`;
    const before = memory.holds.get(h.policy);
    const sinceMs = before?.key === key ? before.sinceMs : nowMs;
    holds.set(h.policy, { key, sinceMs });
    if (before?.key === key) continue;
    const first = waiters.get(h.policy)?.[0];
    if (first === undefined) continue;
    const type = WARNINGS.has(h.reason) ? 'Warning' : 'Normal';
    const reason = EVENT_REASONS[h.reason] ?? 'WaitingForGrant';
    tell.push({
      node: first,
      event: { type, reason, message: `policy ${h.policy}: ${h.detail} (since ${new Date(sinceMs).toISOString()})` },
    });
  }
  const stalled = new Map<string, number>();
  for (const s of out.stalled) {
    stalled.set(s.node, s.sinceMs);
    if (memory.stalled.get(s.node) === s.sinceMs) continue;
    const message = `the agent stopped renewing its grant (last renewal ${new Date(s.sinceMs).toISOString()}); the node keeps it and policy ${s.policy} waits until the node is deleted, its agent releases, or an operator frees it (see README "How the budget works")`;
    tell.push({ node: s.node, event: { type: 'Warning', reason: 'GrantHolderStalled', message } });
  }
  return { memory: { holds, stalled }, tell };
}
