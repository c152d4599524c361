import { describe, expect, it } from 'vitest';
import type { LastReboot } from '../../policy/state.ts';
import type { GateVerdict } from './health.ts';
import { dueReturns, judgeReturn, returnKey, type ReturnNode, type ReturnPolicy } from './returns.ts';

const S = 1_000;
const M = 60 * S;
const T = Date.parse('2026-12-01T10:00:00Z');
const PAY: ReturnPolicy = { name: 'pay', graceMs: 5 * M };
const back = (atMs: number, sentinelSurvived = false): LastReboot => ({ atMs, bootId: 'b2', sentinelSurvived });
const node = (name: string, lastReboot?: LastReboot, policy: string | null = 'pay'): ReturnNode => ({
  name,
  policy,
  lastReboot,
});
const due = (nodes: ReturnNode[], nowMs: number, more: { busy?: string[]; judged?: string[] } = {}) =>
  dueReturns({
    policies: [PAY],
    nodes,
    busy: new Set(more.busy ?? []),
    judged: new Set(more.judged ?? []),
    nowMs,
  });

describe('which returned nodes a health gate judges (spec.halt.healthGrace)', () => {
  it('judges a return once its grace has passed, and says when the next one is due', () => {
    const nodes = [node('a', back(T)), node('b', back(T + M))];
    expect(due(nodes, T + M)).toEqual({ due: [], nextMs: T + 5 * M });
    expect(due(nodes, T + 5 * M)).toEqual({ due: [{ node: 'a', policy: 'pay', returnedMs: T }], nextMs: T + 6 * M });
  });

  it('judges each return once: a judged return is not due again, a later return of the same node is', () => {
    const judged = [returnKey('a', T)];
    expect(due([node('a', back(T))], T + 6 * M, { judged }).due).toEqual([]);
    expect(due([node('a', back(T + 2 * M))], T + 7 * M, { judged }).due).toEqual([
      { node: 'a', policy: 'pay', returnedMs: T + 2 * M },
    ]);
  });

  it('does not judge while another node of the policy holds a grant (its drain may be the cause)', () => {
    expect(due([node('a', back(T))], T + 5 * M, { busy: ['pay'] })).toEqual({ due: [], nextMs: null });
  });

  it('gives up a return it could not judge in time: later, a failing gate is no longer "right after" it', () => {
    expect(due([node('a', back(T))], T + 10 * M).due).toHaveLength(1);
    expect(due([node('a', back(T))], T + 10 * M + 1)).toEqual({ due: [], nextMs: null });
    // A short grace still leaves a minute to judge in (a coordinator restarting, a loop backing off).
    const quick = dueReturns({
      policies: [{ name: 'pay', graceMs: 2 * S }],
      nodes: [node('a', back(T))],
      busy: new Set(),
      judged: new Set(),
      nowMs: T + 62 * S,
    });
    expect(quick.due).toHaveLength(1);
  });

  it('leaves out reboot loops (already a failure), nodes of other policies and nodes never rebooted', () => {
    const nodes = [node('a', back(T, true)), node('b', back(T), 'db'), node('c', back(T), null), node('d')];
    expect(due(nodes, T + 5 * M)).toEqual({ due: [], nextMs: null });
  });
});

const verdict = (check: string, v: 'pass' | 'false' | 'unknown'): GateVerdict =>
  v === 'pass'
    ? { check, passing: true, detail: '' }
    : v === 'false'
      ? { check, passing: false, detail: 'Deployment pay/api: the expression is false', expressionFalse: true }
      : { check, passing: false, detail: 'cannot read Deployment pay/api: timed out' };

describe('judging a return by the gates read after its grace', () => {
  const r = { node: 'a', policy: 'pay', returnedMs: T };

  it('counts a check whose expression is false as a failure of the returned node, naming the check and why', () => {
    expect(judgeReturn(r, PAY.graceMs, [verdict('api available', 'false'), verdict('db', 'pass')], T + 5 * M)).toEqual({
      kind: 'failed',
      failure: {
        node: 'a',
        atMs: T + 5 * M,
        returnedMs: T,
        kind: 'health-gate',
        reason:
          'health check "api available" still false 5m after the node returned at 2026-12-01T10:00:00.000Z: Deployment pay/api: the expression is false',
      },
    });
  });

  it('is clean when every check passes', () => {
    expect(judgeReturn(r, PAY.graceMs, [verdict('api', 'pass')], T + 5 * M)).toEqual({ kind: 'clean' });
  });

  it('counts nothing for a check it cannot read or evaluate (flaky reads must not halt a pool); it tries again', () => {
    expect(judgeReturn(r, PAY.graceMs, [verdict('api', 'unknown'), verdict('db', 'pass')], T + 5 * M)).toEqual({
      kind: 'unknown',
    });
  });

  it('counts the false check when another cannot be read', () => {
    const out = judgeReturn(r, PAY.graceMs, [verdict('db', 'unknown'), verdict('api', 'false')], T + 5 * M);
    expect(out.kind === 'failed' ? out.failure.reason : '').toMatch(/^health check "api" still false/);
  });
});
