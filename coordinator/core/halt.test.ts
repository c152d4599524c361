import { describe, expect, it } from 'vitest';
import type { FailureNote } from '../../policy/failures.ts';
import type { GateFailure } from '../../policy/gate-failures.ts';
import { decodeHalt, encodeHalt, type HaltRecord } from '../../policy/halt.ts';
import type { NodeState } from '../../policy/state.ts';
import { decideHalts, type HaltNode, type HaltPolicy } from './halt.ts';

const H = 3_600_000;
const T = Date.parse('2026-12-01T10:00:00Z');
const WEB: HaltPolicy = {
  name: 'web',
  halt: { afterFailures: 2, withinMs: 24 * H, healthGraceMs: 5 * 60_000 },
  expectedRebootMs: 10 * 60_000,
};

const fail = (atMs: number, kind: FailureNote['kind'] = 'drain', policy = 'web'): FailureNote => ({
  atMs,
  policy,
  kind,
  reason: `${kind} failed`,
});
const node = (name: string, failures: FailureNote[], more: Partial<HaltNode> = {}): HaltNode => ({
  name,
  policy: 'web',
  ready: true,
  failures,
  state: null,
  ...more,
});
const decide = (
  nodes: HaltNode[],
  nowMs: number,
  records = new Map<string, HaltRecord>(),
  noted = new Map<string, GateFailure[]>(),
) => decideHalts({ nodes, policies: [WEB], records, noted, nowMs });
const gate = (node: string, atMs: number): GateFailure => ({
  node,
  atMs,
  returnedMs: atMs - 5 * 60_000,
  kind: 'health-gate',
  reason: 'health check "api" still false 5m after the node returned',
});

describe('halt counting (spec.halt)', () => {
  it('halts after afterFailures failures within the window, with the evidence', () => {
    const out = decide([node('a', [fail(T - H)]), node('b', [fail(T - 2 * H, 'reboot')])], T);
    expect(out.guards).toMatchObject([{ policy: 'web', reason: 'halted', nodes: ['a', 'b'], untilMs: null }]);
    expect(out.guards[0]!.detail).toMatch(/after 2 failures within 1d .*b: reboot: reboot failed; .*a: drain/);
    expect(out.halt.get('web')).toMatchObject({
      state: 'halted',
      atMs: T,
      failures: [
        { node: 'b', kind: 'reboot' },
        { node: 'a', kind: 'drain' },
      ],
    });
  });

  it('does not halt below the count', () => {
    expect(decide([node('a', [fail(T - H)])], T)).toEqual({ guards: [], halt: new Map() });
  });

  it('slides the window: a failure older than `within` no longer counts', () => {
    const nodes = [node('a', [fail(T - 23 * H)]), node('b', [fail(T - H)])];
    expect(decide(nodes, T).guards).toHaveLength(1);
    expect(decide(nodes, T + 2 * H).guards).toHaveLength(0);
  });

  it('counts the same node failing twice as two failures', () => {
    expect(decide([node('a', [fail(T - 2 * H), fail(T - H, 'reboot')])], T).guards).toMatchObject([{ nodes: ['a'] }]);
  });

  it("counts only the policy's own failures (a node that moved keeps notes of its old policy)", () => {
    expect(decide([node('a', [fail(T - 2 * H, 'drain', 'db'), fail(T - H)])], T).guards).toEqual([]);
  });

  it('stays halted across a coordinator restart: the record on the cluster decides, not memory', () => {
    const first = decide([node('a', [fail(T - 2 * H), fail(T - H)])], T);
    const record = decodeHalt(encodeHalt(first.halt.get('web')!))!;
    // A new coordinator, much later, the failures out of the window: still halted, nothing to write.
    const later = decide([node('a', [])], T + 48 * H, new Map([['web', record]]));
    expect(later.guards).toMatchObject([{ policy: 'web', reason: 'halted', nodes: ['a'] }]);
    expect(later.halt.size).toBe(0);
  });

  it('finds the halt again after a restart from the notes alone when the coordinator died before writing it', () => {
    const nodes = [node('a', [fail(T - 2 * H), fail(T - H)])];
    expect(decide(nodes, T).halt.get('web')).toEqual(decide(nodes, T).halt.get('web'));
  });

  it('forgives the failures before a resume, and halts again on new ones', () => {
    const resumed = new Map<string, HaltRecord>([['web', { state: 'resumed', atMs: T, by: 'ops' }]]);
    const nodes = [node('a', [fail(T - 2 * H), fail(T - H)])];
    expect(decide(nodes, T + H, resumed).guards).toEqual([]);
    const again = [node('a', [fail(T - 2 * H), fail(T - H), fail(T + H)]), node('b', [fail(T + 2 * H)])];
    expect(
      decide(again, T + 3 * H, resumed)
        .halt.get('web')
        ?.failures.map((f) => f.atMs),
    ).toEqual([T + H, T + 2 * H]);
  });

  it('counts a rebooted node not Ready again within the expected reboot time', () => {
    const rebooted: NodeState = {
      phase: 'recovering',
      outcome: 'rebooted',
      policy: 'web',
      attempt: 1,
      bootId: 'b1',
      cordoned: true,
      labels: {},
      startedMs: T - H,
      sinceMs: T - 20 * 60_000,
    };
    const down = node('c', [], { ready: false, state: rebooted });
    const out = decide([down, node('a', [fail(T - H)])], T);
    expect(out.halt.get('web')?.failures).toMatchObject([
      { node: 'a', kind: 'drain' },
      { node: 'c', kind: 'not-ready', atMs: T - 10 * 60_000 },
    ]);
    // Not yet late, or Ready: no failure.
    expect(decide([down, node('a', [fail(T - H)])], T - 15 * 60_000).guards).toEqual([]);
    expect(decide([{ ...down, ready: true }, node('a', [fail(T - H)])], T).guards).toEqual([]);
  });

  it("counts the coordinator's health-gate notes with the agents' notes, as evidence naming the returned node", () => {
    const out = decide([node('a', [fail(T - 2 * H)])], T, undefined, new Map([['web', [gate('b', T - H)]]]));
    expect(out.halt.get('web')?.failures).toEqual([
      { node: 'a', atMs: T - 2 * H, kind: 'drain', reason: 'drain failed' },
      {
        node: 'b',
        atMs: T - H,
        kind: 'health-gate',
        reason: 'health check "api" still false 5m after the node returned',
      },
    ]);
    expect(out.guards[0]!.detail).toMatch(/b: health-gate: health check "api" still false/);
  });

  it("slides the window over the coordinator's notes too, forgives them on resume, and counts only the policy's own", () => {
    const noted = new Map([
      ['web', [gate('b', T - 25 * H), gate('c', T - H)]],
      ['db', [gate('d', T - H)]],
    ]);
    expect(decide([node('a', [])], T, undefined, noted).guards).toEqual([]);
    expect(decide([node('a', [fail(T - 2 * H)])], T, undefined, noted).guards).toHaveLength(1);
    const resumed = new Map<string, HaltRecord>([['web', { state: 'resumed', atMs: T - 30 * 60_000, by: 'ops' }]]);
    expect(decide([node('a', [fail(T - 2 * H)])], T, resumed, noted).guards).toEqual([]);
  });
});
