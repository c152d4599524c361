// The Node annotation codec: what is written reads back the same; anything else is reported as
// corrupt with the problem named, never thrown.
import { describe, expect, it } from 'vitest';
import { decodeLastReboot, decodeState, encodeLastReboot, encodeState, type NodeState } from './state.ts';

const T = Date.parse('2026-06-01T22:00:00Z');

const draining: NodeState = {
  phase: 'draining',
  policy: 'gpu',
  attempt: 2,
  bootId: '6b1f7a4e-0c5d-4c41-9a53-5e1a6a0e2b7d',
  grant: '0c7f5a2e-1b6d-4f3a-8e2c-9d4b7a1c5e3f',
  cordoned: true,
  labels: { 'example.com/maintenance': null, 'example.com/tier': 'gold' },
  startedMs: T,
  sinceMs: T + 1_000,
  drainDeadlineMs: T + 1_801_000,
};

const { grant: _grant, ...withoutGrant } = draining;

describe('state annotation', () => {
  it('is readable JSON with times in RFC 3339', () => {
    expect(JSON.parse(encodeState(draining))).toEqual({
      version: 2,
      phase: 'draining',
      policy: 'gpu',
      attempt: 2,
      bootId: draining.bootId,
      grant: draining.grant,
      cordoned: true,
      labels: { 'example.com/maintenance': null, 'example.com/tier': 'gold' },
      startedAt: '2026-06-01T22:00:00.000Z',
      since: '2026-06-01T22:00:01.000Z',
      drainDeadline: '2026-06-01T22:30:01.000Z',
    });
  });

  it.each<NodeState>([
    draining,
    { ...draining, phase: 'rebooting', rebootAtMs: T + 60_000 },
    { ...draining, phase: 'recovering', outcome: 'failed', keepCordoned: true, reason: 'drain failed: timed out' },
    { ...draining, phase: 'recovering', outcome: 'lost', reason: 'the grant is gone' },
    { ...withoutGrant, phase: 'failed', cordoned: false, labels: {}, retryAfterMs: T + 3_600_000, reason: 'x' },
    { ...withoutGrant, phase: 'acquiring', cordoned: false, labels: {} },
    {
      ...withoutGrant,
      phase: 'acquiring',
      cordoned: false,
      labels: {},
      blocked: 'pod ml/train-0 matches a pod blocker',
    },
    { ...draining, silence: { id: '5d0c6c0e-silence', startedMs: T + 500, ended: false } },
    { ...draining, phase: 'recovering', outcome: 'rebooted', silence: { id: 'a1', startedMs: T, ended: true } },
    {
      ...draining,
      phase: 'recovering',
      outcome: 'failed',
      reason: 'pre-reboot hook x failed',
      postHook: 'failed: exit 2',
    },
  ])('reads back what it wrote: $phase', (state) => {
    expect(decodeState(encodeState(state))).toEqual({ kind: 'ok', state });
  });

  it('is absent when there is no annotation', () => {
    expect(decodeState(undefined)).toEqual({ kind: 'none' });
  });

  const valid = JSON.parse(encodeState(draining)) as Record<string, unknown>;
  const variant = (change: Record<string, unknown>) => JSON.stringify({ ...valid, ...change });
  it.each([
    ['{"phase":', 'is not JSON'],
    ['[1,2]', 'is not a JSON object'],
    [variant({ version: 1 }), 'has version 1; this agent reads version 2'],
    [variant({ phase: 'dancing' }), 'has an unknown phase "dancing"'],
    [variant({ cordoned: 'yes' }), 'does not say whether the agent cordoned the node'],
    [variant({ grant: 7 }), 'has a malformed grant epoch'],
    [variant({ grant: undefined }), 'is draining without a grant epoch'],
    [variant({ blocked: false }), 'has a malformed blocked reason'],
    [variant({ labels: { a: 1 } }), 'has malformed labels'],
    [variant({ since: 'yesterday' }), 'has a malformed time in since'],
    [variant({ drainDeadline: undefined }), 'is draining without a deadline'],
    [variant({ phase: 'failed', drainDeadline: undefined }), 'is failed without a retry time'],
    [variant({ attempt: 0 }), 'has no attempt count'],
    [variant({ silence: { id: '', startedAt: '2026-06-01T22:00:00Z', ended: false } }), 'has a malformed silence'],
    [variant({ silence: { id: 'a1', startedAt: 'soon', ended: false } }), 'has a malformed silence'],
    [variant({ silence: { id: 'a1', startedAt: '2026-06-01T22:00:00Z' } }), 'has a malformed silence'],
    [variant({ postHook: true }), 'has a malformed postHook'],
  ])('reports %s as corrupt: %s', (raw, problem) => {
    expect(decodeState(raw)).toEqual({ kind: 'corrupt', raw, problem });
  });
});

describe('last-reboot annotation', () => {
  it('reads back what it wrote, and nothing from garbage', () => {
    const last = { atMs: T, bootId: 'b', sentinelSurvived: true };
    expect(decodeLastReboot(encodeLastReboot(last))).toEqual(last);
    expect(decodeLastReboot('{"at":"never"}')).toBeUndefined();
    expect(decodeLastReboot('nope')).toBeUndefined();
    expect(decodeLastReboot(undefined)).toBeUndefined();
  });
});
