import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../kube/ports.ts';
import { STATE_ANNOTATION } from '../policy/keys.ts';
import { encodeState, type NodeState } from '../policy/state.ts';
import { onlyRefreshed } from './quiet.ts';

const TTL = 60_000;
const ttlOf = (policy: string) => (policy === 'web' ? TTL : policy === 'forever' ? null : undefined);

const asking: NodeState = {
  phase: 'acquiring',
  policy: 'web',
  attempt: 1,
  bootId: 'boot-1',
  cordoned: false,
  labels: {},
  startedMs: 1_000,
  sinceMs: 1_000,
  renewedMs: 20_000,
};

function node(state: NodeState | undefined, o: Partial<NodeInfo> = {}): NodeInfo {
  return {
    name: 'n1',
    uid: 'u1',
    labels: { pool: 'web' },
    annotations: state === undefined ? {} : { [STATE_ANNOTATION]: encodeState(state) },
    unschedulable: false,
    ready: true,
    system: { osImage: 'os', kernelVersion: 'k', bootId: 'boot-1' },
    resourceVersion: String(Math.random()),
    ...o,
  };
}

const refreshed = { ...asking, renewedMs: 40_000 };

describe('onlyRefreshed: the Node updates the grant decision need not see at once', () => {
  it('is quiet about a refresh of a request that is alive', () => {
    expect(onlyRefreshed(node(asking), node(refreshed), 50_000, ttlOf)).toBe(true);
    // A policy whose requests never go silent.
    const forever = { ...asking, policy: 'forever' };
    expect(onlyRefreshed(node(forever), node({ ...forever, renewedMs: 900_000 }), 1e9, ttlOf)).toBe(true);
  });

  it('tells a refresh that brings a silent request back to life', () => {
    // Refreshed last at 20 s, TTL 60 s: silent from 80 s on.
    expect(onlyRefreshed(node(asking), node({ ...refreshed, renewedMs: 85_000 }), 80_000, ttlOf)).toBe(false);
    expect(onlyRefreshed(node(asking), node({ ...refreshed, renewedMs: 85_000 }), 79_999, ttlOf)).toBe(true);
  });

  it('tells every other change of the record or the Node', () => {
    const now = 50_000;
    const tells: [string, NodeInfo, NodeInfo][] = [
      ['blockers changed', node(asking), node({ ...refreshed, blocked: 'alert X fires' })],
      ['a new request', node(undefined), node(refreshed)],
      ['the request withdrawn', node(asking), node(undefined)],
      ['the phase moved on', node(asking), node({ ...refreshed, phase: 'cordoning', grant: 'e1' })],
      ['another attempt', node(asking), node({ ...refreshed, attempt: 2 })],
      ['cordoned too', node(asking), node(refreshed, { unschedulable: true })],
      ['NotReady too', node(asking), node(refreshed, { ready: false })],
      ['labels changed too', node(asking), node(refreshed, { labels: { pool: 'db' } })],
      [
        'another annotation changed too',
        node(asking),
        node(refreshed, { annotations: { ...node(refreshed).annotations, 'patchwindow.io/last-reboot': 'x' } }),
      ],
      ['replaced by a new Node', node(asking), node(refreshed, { uid: 'u2' })],
      ['the refresh time went back', node(refreshed), node(asking)],
      ['a policy the fleet does not have', node({ ...asking, policy: 'gone' }), node({ ...refreshed, policy: 'gone' })],
    ];
    for (const [why, before, after] of tells) expect(onlyRefreshed(before, after, now, ttlOf), why).toBe(false);
  });
});
