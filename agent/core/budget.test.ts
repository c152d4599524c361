// Budget arithmetic: the facts one node sees, and the property that makes it safe without a lock —
// agents racing on stale views of the Leases never push a pool over its budget, because they only
// ever try slot indexes below B - U and the API lets one taker win each index.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { count, MINUTE, percent, testConfig } from '../../test/fakes/config.ts';
import { budgetFacts, slotIsStale, type BudgetNode } from './budget.ts';
import type { Slot } from '../../kube/ports.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const node = (name: string, extra: Partial<BudgetNode> = {}): BudgetNode => ({
  name,
  labels: { pool: 'general' },
  ready: true,
  unschedulable: false,
  ...extra,
});
const lease = (index: number, holder: string, extra: Partial<Slot> = {}): Slot => ({
  group: 'general',
  index,
  holder,
  renewTimeMs: NOW,
  ttlMs: 15 * MINUTE,
  resourceVersion: `${index}-${holder}`,
  ...extra,
});

describe('budget facts of one node', () => {
  it('count members, allowed, unavailable and slots in use; say what to try', () => {
    const facts = budgetFacts({
      config: testConfig({ budget: count(3) }),
      nodeName: 'g1',
      nodes: [
        node('g1'),
        node('g2', { ready: false }),
        node('g3'),
        node('g4', { unschedulable: true }),
        node('x1', { labels: { pool: 'gpu' }, ready: false }),
      ],
      slots: [lease(0, 'g3'), lease(1, 'g4')],
      nowMs: NOW,
    });
    expect(facts.groups).toEqual([
      {
        group: 'general',
        members: 4,
        allowed: 3,
        unavailable: 1,
        inUse: 2,
        mine: null,
        candidate: null,
        nextExpiryMs: NOW + 15 * MINUTE,
      },
    ]);
  });

  it('treat slots of deleted nodes and slots past their TTL as free, lowest index first', () => {
    const stale = lease(0, 'gone');
    const facts = budgetFacts({
      config: testConfig({ budget: count(2) }),
      nodeName: 'g1',
      nodes: [node('g1'), node('g2')],
      slots: [stale, lease(1, 'g2', { renewTimeMs: NOW - 15 * MINUTE })],
      nowMs: NOW,
    });
    expect(facts.groups[0]).toMatchObject({ inUse: 0, candidate: { index: 0, expected: stale } });
    expect(slotIsStale(lease(0, 'g2', { renewTimeMs: NOW - 15 * MINUTE + 1 }), new Set(['g2']), NOW)).toBe(false);
  });

  it('list the slots the node holds in every group, and its own per group', () => {
    const config = testConfig({ budget: count(1), fleetBudget: percent(10) });
    const mine = [lease(0, 'g1'), lease(0, 'g1', { group: 'fleet' })];
    const facts = budgetFacts({
      config,
      nodeName: 'g1',
      nodes: [node('g1'), node('g2')],
      slots: [...mine, lease(1, 'g2', { group: 'fleet' })],
      nowMs: NOW,
    });
    expect(facts.held).toEqual([mine[1], mine[0]]);
    expect(facts.groups.map((g) => [g.group, g.mine?.index, g.candidate])).toEqual([
      ['general', 0, null],
      ['fleet', 0, null],
    ]);
  });

  it('count a percent budget over the members only, at least 1', () => {
    const nodes = Array.from({ length: 9 }, (_, i) => node(`g${i + 1}`));
    const at = (p: number) =>
      budgetFacts({ config: testConfig({ budget: percent(p) }), nodeName: 'g1', nodes, slots: [], nowMs: NOW })
        .groups[0]!.allowed;
    expect([at(1), at(11), at(12), at(50), at(100)]).toEqual([1, 1, 1, 4, 9]);
  });
});

describe('racing agents on stale views', () => {
  // A pool of nodes, some NotReady or cordoned from the start (U), and a budget B. Agents look at
  // the Leases at random moments (their view may be old), try the candidate their view gives, and
  // holders give slots back at random. The API's rule: create only if absent, take over only if
  // unchanged. At every moment: unavailable nodes <= max(B, those unavailable from the start).
  const scenario = fc.record({
    size: fc.integer({ min: 1, max: 8 }),
    budget: fc.oneof(fc.integer({ min: 1, max: 4 }).map(count), fc.integer({ min: 1, max: 100 }).map(percent)),
    down: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    /** Leases left by nodes that were deleted: free to take over. */
    ghosts: fc.uniqueArray(fc.nat(5), { maxLength: 3 }),
    steps: fc.array(fc.record({ agent: fc.nat(7), op: fc.constantFrom('look', 'try', 'release') }), { maxLength: 60 }),
  });

  it('never exceed the budget', () => {
    fc.assert(
      fc.property(scenario, ({ size, budget, down, ghosts, steps }) => {
        const config = testConfig({ budget });
        const nodes = Array.from({ length: size }, (_, i) => node(`n${i}`, { unschedulable: down[i]! }));
        const leases = new Map<number, Slot>(ghosts.map((i) => [i, lease(i, 'ghost')]));
        let rv = 0;
        const views = new Map<string, Slot[]>();
        const unavailable = () =>
          nodes.filter((n) => n.unschedulable || [...leases.values()].some((s) => s.holder === n.name)).length;
        const limit = Math.max(
          budgetFacts({ config, nodeName: '-', nodes, slots: [], nowMs: NOW }).groups[0]!.allowed,
          unavailable(),
        );
        for (const { agent, op } of steps) {
          const name = `n${agent % size}`;
          if (op === 'look') views.set(name, [...leases.values()]);
          if (op === 'release') for (const [i, s] of leases) if (s.holder === name) leases.delete(i);
          if (op === 'try') {
            const g = budgetFacts({ config, nodeName: name, nodes, slots: views.get(name) ?? [], nowMs: NOW })
              .groups[0]!;
            const c = g.candidate;
            const current = c === null ? undefined : leases.get(c.index);
            // The API: a missing Lease is created; an existing one is replaced only if unchanged.
            if (c !== null && (current === undefined || current.resourceVersion === c.expected?.resourceVersion)) {
              leases.set(c.index, lease(c.index, name, { resourceVersion: String(++rv) }));
            }
          }
          expect(unavailable()).toBeLessThanOrEqual(limit);
        }
      }),
      { numRuns: 500 },
    );
  });
});
