// From the coordinator's caches to the canary and rate guards: the version read from
// status.nodeInfo, requests from the agents' records, the memory after the canary's grant, and the
// proof once the node is back on a new kernel with a new boot id.
import { describe, expect, it } from 'vitest';
import type { Grant, NodeInfo } from '../kube/ports.ts';
import { STATE_ANNOTATION } from '../policy/keys.ts';
import { encodeState } from '../policy/state.ts';
import { POOL_LABEL, testConfig } from '../test/fakes/config.ts';
import { EMPTY_RAILS } from './core/rails.ts';
import { afterGrants, guardRails } from './guard-rails.ts';
import type { FleetConfig } from './view.ts';

const NOW = Date.UTC(2026, 11, 7, 2, 0);
const base = testConfig({ policy: 'db' });
const fleet: FleetConfig = {
  fleet: 'f',
  namespace: 'patchwindow',
  configs: [{ ...base, policy: { ...base.policy, canary: true, rate: { count: 5, periodMs: 3_600_000 } } }],
};

function node(name: string, o: { asks?: number; kernel?: string; boot?: string } = {}): NodeInfo {
  const state: Record<string, string> =
    o.asks === undefined
      ? {}
      : {
          [STATE_ANNOTATION]: encodeState({
            phase: 'acquiring',
            policy: 'db',
            attempt: 1,
            bootId: 'b',
            cordoned: false,
            labels: {},
            startedMs: NOW - o.asks,
            sinceMs: NOW - o.asks,
          }),
        };
  return {
    name,
    uid: `uid-${name}`,
    labels: { [POOL_LABEL]: 'db' },
    annotations: state,
    unschedulable: false,
    ready: true,
    system: { osImage: 'Ubuntu 24.04.1 LTS', kernelVersion: o.kernel ?? '6.8.0-48', bootId: o.boot ?? `${name}-1` },
    resourceVersion: '1',
  };
}

describe('guardRails from the caches', () => {
  it('picks the canary, remembers it with its version before the grant, and proves the new kernel', () => {
    const nodes = [node('d1', { asks: 5000 }), node('d2', { asks: 4000 }), node('d3', { asks: 3000 })];
    const rails = guardRails({ fleet, nodes, grants: [], memory: EMPTY_RAILS, nowMs: NOW });
    expect(rails.guards.map((g) => [g.reason, g.allow ?? null, g.room])).toEqual([
      ['rate-limit', null, 5],
      ['canary', ['d1'], 0],
    ]);
    const decided = [{ node: 'd1', nodeUid: 'uid-d1', policy: 'db', reason: 'budget' as const }];
    const kept = afterGrants(fleet, rails, decided, NOW);
    expect(kept.starts).toEqual({ db: [{ node: 'd1', atMs: NOW }] });
    expect(kept.canaries.db).toEqual({
      proven: { version: 'Ubuntu 24.04.1 LTS / 6.8.0-48', node: null, atMs: null },
      out: {
        node: 'd1',
        uid: 'uid-d1',
        startedMs: NOW,
        fromVersion: 'Ubuntu 24.04.1 LTS / 6.8.0-48',
        fromBootId: 'd1-1',
      },
    });
    // While d1 holds its grant, the others wait for it.
    const grant: Grant = {
      node: 'd1',
      policy: 'db',
      epoch: 'e1',
      nodeUid: 'uid-d1',
      grantedMs: NOW + 5,
      renewedMs: NOW + 5,
      ttlMs: 60_000,
      resourceVersion: '1',
    };
    const held = [node('d1'), ...nodes.slice(1)];
    const out = guardRails({ fleet, nodes: held, grants: [grant], memory: kept, nowMs: NOW + 1000 });
    expect(out.guards.find((g) => g.reason === 'canary')?.detail).toContain('canary: waiting for d1');
    // The grant's start is the one remembered (not counted twice).
    expect(out.guards.find((g) => g.reason === 'rate-limit')?.room).toBe(4);
    // Back on the new kernel with a new boot id, idle: proven, and the others go.
    const back = [node('d1', { kernel: '6.8.0-51', boot: 'd1-2' }), ...nodes.slice(1)];
    const proven = guardRails({ fleet, nodes: back, grants: [], memory: kept, nowMs: NOW + 60_000 });
    expect(proven.guards.map((g) => g.reason)).toEqual(['rate-limit']);
    expect(proven.memory.canaries.db?.proven).toEqual({
      version: 'Ubuntu 24.04.1 LTS / 6.8.0-51',
      node: 'd1',
      atMs: NOW + 60_000,
    });
    expect(proven.news).toMatchObject([{ node: 'd1', warning: false }]);
  });
});
