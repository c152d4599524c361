// The Events the coordinator owes for its pool holds: warnings for what an operator must look at.
import { describe, expect, it } from 'vitest';
import type { CoreOutput, PoolHold } from './core/model.ts';
import { tellHolds } from './holds.ts';

const NOW = Date.UTC(2026, 11, 7, 2, 0);

function output(hold: PoolHold): CoreOutput {
  return { grant: [], free: [], stalled: [], holds: [hold], nextChangeMs: null };
}

describe('tellHolds', () => {
  it('warns once when every waiting node of a pool has an agent that stopped refreshing its request', () => {
    const hold: PoolHold = {
      policy: 'a',
      reason: 'silent-requester',
      detail: '1 node(s) ask, but their agents stopped refreshing the request: a1',
      nodes: ['a1'],
      waiting: 1,
    };
    const waiters = new Map([['a', ['a1']]]);
    const first = tellHolds({ holds: new Map(), stalled: new Map() }, output(hold), waiters, NOW);
    expect(first.tell).toEqual([
      {
        node: 'a1',
        event: {
          type: 'Warning',
          reason: 'RequestNotRefreshed',
          message: expect.stringContaining('policy a: 1 node(s) ask') as unknown,
        },
      },
    ]);
    expect(tellHolds(first.memory, output(hold), waiters, NOW + 1_000).tell).toEqual([]);
  });
});
