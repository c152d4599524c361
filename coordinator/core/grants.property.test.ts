// Properties of the grant decision on random fleets and random interleavings of what happens in a
// cluster: agents ask and withdraw, holders give grants back, agents stall (stop renewing their grant
// and refreshing their request), restart (their node NotReady a while), operators free stalled
// grants, nodes are deleted and created again, admins cordon and uncordon, time passes. After every decision, carried out as the coordinator's shell does (grants created, grants
// of deleted or replaced nodes deleted):
//  - safety: no group (policy or fleet cap) has more unavailable nodes than its budget because of a
//    grant — a decision never makes a group's count exceed max(its budget, its count before), nor
//    its excess as the invariant checkers count it (unavailable beyond max(budget, the nodes down
//    for reasons of their own: NotReady without a grant, or cordoned by an admin)) grow: a NotReady
//    node may be Ready again any time, and then a grant of it is patchwindow's doing;
//  - liveness: a waiting node whose start gate is open is granted unless one of its groups is full
//    (a NotReady one: full without it); one cordoned by an admin is granted whenever its gate is open;
//  - grants go only to asking nodes inside their gate whose agent refreshed the request within the
//    TTL — never back to a stalled agent whose stalled grant an operator freed — and a grant is only
//    ever taken away from a node that is gone (deleted, or replaced by a new object under its name),
//    never from a stalled one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedUnavailable } from '../../policy/budget.ts';
import type { Budget, Schedule, Weekday } from '../../policy/model.ts';
import { compileSchedule } from '../../policy/windows.ts';
import { decideGrants } from './grants.ts';
import type { CoreGrant, CoreNode, CorePolicy } from './model.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Monday 2026-12-07 00:00 UTC. */
const START = Date.UTC(2026, 11, 7);
const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];
const TTL = 15 * MIN;

const policyArb = fc.record({
  budget: fc.integer({ min: 1, max: 3 }),
  startHour: fc.integer({ min: 0, max: 23 }),
  hours: fc.integer({ min: 1, max: 24 }),
  nodes: fc.integer({ min: 1, max: 5 }),
});

type Op =
  | {
      kind: 'ask' | 'withdraw' | 'release' | 'stall' | 'restart' | 'delete' | 'recreate' | 'cordon' | 'free';
      node: number;
    }
  | { kind: 'tick'; minutes: number }
  | { kind: 'decide' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom(
      'ask',
      'ask',
      'withdraw',
      'release',
      'release',
      'stall',
      'restart',
      'delete',
      'recreate',
      'cordon',
      'free',
    ),
    node: fc.nat({ max: 14 }),
  }) as fc.Arbitrary<Op>,
  fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 300 }) }),
  fc.constant({ kind: 'decide' as const }),
  fc.constant({ kind: 'decide' as const }),
);

interface Model {
  nodes: Map<string, CoreNode>;
  /** Node names that were deleted (they may come back with another uid). */
  gone: Map<string, CoreNode>;
  grants: Map<string, CoreGrant>;
  /** Agents that stopped (no renewals, no request refreshes) until their node restarts. */
  stalled: Set<string>;
  /** The request a holder's record still shows while granted (its agent may stall before moving on). */
  asked: Map<string, NonNullable<CoreNode['request']>>;
  /** Stalled agents whose stalled grant an operator freed (cleared when they come back). */
  freed: Set<string>;
  nowMs: number;
  uids: number;
}

function schedule(startHour: number, hours: number): Schedule {
  return {
    timeZone: 'UTC',
    windows: [
      {
        days: EVERY_DAY,
        start: { hour: startHour, minute: 0 },
        end: { kind: 'duration', durationMs: hours * HOUR },
        timeZone: 'UTC',
      },
    ],
    blackouts: [],
    pause: { kind: 'none' },
  };
}

/** Unavailable nodes of each group as the rule counts them: NotReady, unschedulable or granted. */
function counts(m: Model, policies: readonly CorePolicy[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>(policies.map((p) => [p.name, new Set()]));
  out.set('', new Set());
  const add = (name: string, policy: string | null) => {
    if (policy !== null) out.get(policy)?.add(name);
    out.get('')!.add(name);
  };
  for (const n of m.nodes.values()) if (!n.ready || n.unschedulable) add(n.name, n.policy);
  for (const g of m.grants.values()) add(g.node, g.policy);
  return out;
}

/** Per group: unavailable nodes beyond max(budget, nodes down for reasons of their own). */
function excess(m: Model, policies: readonly CorePolicy[], allowed: ReadonlyMap<string, number>): Map<string, number> {
  const down = counts(m, policies);
  const own = new Map<string, number>([...down.keys()].map((g) => [g, 0]));
  for (const n of m.nodes.values()) {
    const admin = n.unschedulable && !n.cordonedByAgent;
    if (!((!n.ready && !m.grants.has(n.name)) || admin)) continue;
    if (n.policy !== null) own.set(n.policy, own.get(n.policy)! + 1);
    own.set('', own.get('')! + 1);
  }
  return new Map(
    [...down].map(([g, set]) => [g, Math.max(0, set.size - Math.max(allowed.get(g) ?? Infinity, own.get(g)!))]),
  );
}

function step(m: Model, op: Op, names: readonly string[], policies: readonly CorePolicy[], cap: Budget | null): void {
  const name = 'node' in op ? names[op.node % names.length]! : '';
  const n = m.nodes.get(name);
  const set = (patch: Partial<CoreNode>) => n && m.nodes.set(name, { ...n, ...patch });
  switch (op.kind) {
    case 'ask':
      if (n && n.request === null && !m.grants.has(name) && !m.stalled.has(name))
        set({ request: { sinceMs: m.nowMs, blocked: null, aliveMs: m.nowMs } });
      return;
    case 'withdraw':
      set({ request: null });
      return;
    case 'release':
      // The holder's attempt ends: uncordoned, Ready, the grant deleted.
      if (m.grants.delete(name)) set({ unschedulable: false, ready: true, cordonedByAgent: false, request: null });
      m.stalled.delete(name);
      return;
    case 'stall':
      if (n) m.stalled.add(name);
      return;
    case 'free': {
      // The operator's `kubectl delete lease` of a stalled grant: the record of an agent stopped
      // before it moved on still shows its request, last refreshed before the grant.
      const g = m.grants.get(name);
      if (!n || g === undefined || !m.stalled.has(name) || m.nowMs < g.renewedMs + g.ttlMs) return;
      m.grants.delete(name);
      m.freed.add(name);
      set({ request: m.asked.get(name) ?? null });
      return;
    }
    case 'restart':
      // The agent restarts with its node: NotReady until the next restart of the same node.
      set({ ready: !(n?.ready ?? true) });
      m.stalled.delete(name);
      m.freed.delete(name);
      return;
    case 'delete':
      if (n) {
        m.gone.set(name, n);
        m.nodes.delete(name);
      }
      return;
    case 'recreate': {
      const old = m.gone.get(name);
      if (old && !n) {
        m.gone.delete(name);
        m.nodes.set(name, {
          ...old,
          uid: `uid-${++m.uids}`,
          ready: true,
          unschedulable: false,
          cordonedByAgent: false,
          request: null,
        });
      }
      return;
    }
    case 'cordon':
      // An admin cordons or uncordons (never a node its agent cordoned).
      if (n && !n.cordonedByAgent) set({ unschedulable: !n.unschedulable });
      return;
    case 'tick':
      m.nowMs += op.minutes * MIN;
      for (const [node, g] of m.grants) if (!m.stalled.has(node)) m.grants.set(node, { ...g, renewedMs: m.nowMs });
      // Live agents refresh their requests (every third of the TTL; here at each tick).
      for (const [node, x] of m.nodes)
        if (x.request !== null && !m.stalled.has(node))
          m.nodes.set(node, { ...x, request: { ...x.request, aliveMs: m.nowMs } });
      return;
    case 'decide':
      return decide(m, policies, cap);
  }
}

function decide(m: Model, policies: readonly CorePolicy[], cap: Budget | null): void {
  const nodes = [...m.nodes.values()];
  const before = counts(m, policies);
  const grantsBefore = new Map(m.grants);
  const out = decideGrants({ nodes, grants: [...m.grants.values()], policies, fleetBudget: cap, nowMs: m.nowMs });
  const members = (p: string) => nodes.filter((n) => n.policy === p).length;
  const allowed = new Map<string, number>(policies.map((p) => [p.name, allowedUnavailable(p.budget, members(p.name))]));
  allowed.set('', cap === null ? Infinity : allowedUnavailable(cap, nodes.length));
  const excessBefore = excess(m, policies, allowed);
  const byPolicy = new Map(policies.map((p) => [p.name, p]));

  // Frees only of nodes that are gone; never of a stalled holder whose node is still there.
  for (const f of out.free) {
    const n = m.nodes.get(f.node);
    expect(n === undefined || n.uid !== grantsBefore.get(f.node)!.nodeUid).toBe(true);
  }
  for (const g of out.grant) {
    const n = m.nodes.get(g.node)!;
    expect(n.request).not.toBeNull();
    expect(grantsBefore.has(g.node)).toBe(false);
    // Only to an agent that showed life within the TTL; never back to a stalled one it was freed from.
    expect(m.nowMs - n.request!.aliveMs).toBeLessThan(TTL);
    expect(m.freed.has(g.node) && m.stalled.has(g.node)).toBe(false);
    m.asked.set(g.node, n.request!);
    expect(byPolicy.get(n.policy!)!.schedule.canStart(m.nowMs, byPolicy.get(n.policy!)!.neededMs).ok).toBe(true);
    m.grants.set(g.node, {
      node: g.node,
      nodeUid: n.uid,
      policy: g.policy,
      grantedMs: m.nowMs,
      renewedMs: m.nowMs,
      ttlMs: TTL,
    });
    m.nodes.set(g.node, { ...n, request: null });
  }
  // Safety: a grant never takes a group over its budget (nor further over it).
  const after = counts(m, policies);
  for (const [group, set] of after)
    expect(set.size).toBeLessThanOrEqual(Math.max(allowed.get(group)!, before.get(group)!.size));
  for (const [group, over] of excess(m, policies, allowed))
    expect({ group, over }).toEqual({ group, over: Math.min(over, excessBefore.get(group)!) });
  for (const f of out.free) {
    m.grants.delete(f.node);
    m.stalled.delete(f.node);
  }
  // Liveness: an asking node in its gate is left waiting only when one of its groups is full.
  for (const n of m.nodes.values()) {
    if (n.request === null || n.policy === null || m.grants.has(n.name)) continue;
    if (m.nowMs - n.request.aliveMs >= TTL) continue;
    const p = byPolicy.get(n.policy)!;
    if (!p.schedule.canStart(m.nowMs, p.neededMs).ok) continue;
    const full = [n.policy, ''].some((g) => after.get(g)!.size - (n.ready ? 0 : 1) >= allowed.get(g)!);
    expect({ node: n.name, cordoned: n.unschedulable, full }).toEqual({ node: n.name, cordoned: false, full: true });
  }
}

describe('decideGrants on random fleets and interleavings', () => {
  it('never takes a group over its budget, and leaves no node waiting that its window and budget allow', () => {
    fc.assert(
      fc.property(
        fc.array(policyArb, { minLength: 1, maxLength: 3 }),
        fc.option(fc.integer({ min: 1, max: 4 })),
        fc.integer({ min: 0, max: 2 }),
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        (specs, cap, loose, ops) => {
          const policies: CorePolicy[] = specs.map((s, i) => ({
            name: `p${i}`,
            budget: { kind: 'count', count: s.budget },
            schedule: compileSchedule(schedule(s.startHour, s.hours)),
            neededMs: 10 * MIN,
            requestTtlMs: TTL,
          }));
          const m: Model = {
            nodes: new Map(),
            gone: new Map(),
            grants: new Map(),
            stalled: new Set(),
            asked: new Map(),
            freed: new Set(),
            nowMs: START,
            uids: 0,
          };
          specs.forEach((s, i) => {
            for (let j = 0; j < s.nodes; j++) {
              const name = `p${i}-${j}`;
              m.nodes.set(name, {
                name,
                uid: `uid-${++m.uids}`,
                policy: `p${i}`,
                ready: true,
                unschedulable: false,
                cordonedByAgent: false,
                request: null,
              });
            }
          });
          // Nodes of no policy count for the fleet cap only.
          for (let j = 0; j < loose; j++) {
            const name = `loose-${j}`;
            m.nodes.set(name, {
              name,
              uid: `uid-${++m.uids}`,
              policy: null,
              ready: true,
              unschedulable: false,
              cordonedByAgent: false,
              request: null,
            });
          }
          const names = [...m.nodes.keys()];
          const fleetCap: Budget | null = cap === null ? null : { kind: 'count', count: cap };
          for (const op of ops) step(m, op, names, policies, fleetCap);
          step(m, { kind: 'decide' }, names, policies, fleetCap);
        },
      ),
      {
        numRuns: 300,
        examples: [
          // Two nodes of a pool with budget 1 restart (NotReady) and ask: rare among random runs.
          [
            [{ budget: 1, startHour: 0, hours: 24, nodes: 3 }],
            null,
            0,
            [
              { kind: 'restart', node: 0 },
              { kind: 'restart', node: 1 },
              { kind: 'ask', node: 0 },
              { kind: 'ask', node: 1 },
              { kind: 'ask', node: 2 },
            ],
          ],
        ],
      },
    );
  });
});
